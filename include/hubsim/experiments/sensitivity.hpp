#pragma once
/// \file
/// What matters most (`hubsim sensitivity`): a study's design points run through the
/// evaluator, every point with the same seed (common random numbers: points differ by
/// their parameters, not by chance), and the outputs explained by Sobol indices or Morris
/// elementary effects (hubsim/engine/sensitivity.hpp).

#include "hubsim/experiments/evaluator.hpp"
#include "hubsim/io/sensitivity.hpp"

namespace hubsim {

/// --precision H for a Sobol study: base samples doubled (up to `max_samples`) until every
/// total index's 90% bootstrap interval has at most this half-width.
struct SensitivityPrecision {
    double half_width = 0;  ///< 0: the study's samples
    std::uint32_t max_samples = 65536;
};

/// Runs the study; the root gets the result (other ranks an empty one). Each point runs
/// its replications on `threads` threads (0: all).
SensitivityResult run_sensitivity(const SensitivitySpec& spec, Evaluator& evaluator, int threads,
                                  const SensitivityPrecision& precision = {});

}  // namespace hubsim
