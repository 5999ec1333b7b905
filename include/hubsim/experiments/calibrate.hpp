#pragma once
/// \file
/// A calibration as a study: each ABC-SMC generation's particle slots are evaluations, run
/// by the evaluator (on threads, or on MPI ranks) and journalled, so an interrupted fit
/// resumes from the generations and slots it finished.

#include "hubsim/engine/abc.hpp"
#include "hubsim/experiments/evaluator.hpp"
#include "hubsim/io/calibration.hpp"

namespace hubsim {

/// Fits `spec` by ABC-SMC through `evaluator`; every rank returns the same result.
/// Progress (one line per generation) on stderr unless `quiet`.
AbcResult fit_calibration(const CalibrationSpec& spec, Evaluator& evaluator, bool quiet);

}  // namespace hubsim
