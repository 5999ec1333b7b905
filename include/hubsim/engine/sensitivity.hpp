#pragma once
/// \file
/// Global sensitivity analysis: which inputs of a model its output depends on, and how much.
/// Domain-free: designs are points in the unit cube [0, 1)^d (the caller maps them to its
/// parameter ranges and runs the model), and the analyses take one output per design row.
///
/// Two methods. Sobol indices (variance-based) measure shares of the output's variance and
/// need n*(d+2) runs for a few percent accuracy with n in the thousands; Morris elementary
/// effects screen many inputs cheaply (r*(d+1) runs, r ~ 10-50) but only rank them.
/// Every random choice is keyed by (seed, replicate or trajectory), so results do not
/// depend on the thread count.

#include <cstdint>
#include <vector>

namespace hubsim {

/// Saltelli's design for Sobol indices: base matrices A and B of n points each, and for
/// every input i the matrix AB_i, which is A with column i taken from B.
struct SobolDesign {
    std::size_t n = 0;  ///< base sample size
    std::size_t d = 0;  ///< number of inputs
    /// n*(d+2) rows of d values in [0, 1): A (rows 0..n-1), B (n..2n-1), then AB_i
    /// (rows (2+i)*n .. (3+i)*n-1) for i = 0..d-1. Row j of A, B and every AB_i belong together.
    std::vector<std::vector<double>> points;
};

/// A and B are the two halves of a 2d-dimensional Sobol sequence when 2d <= kSobolMaxDims
/// (then `seed` is unused), otherwise a 2d-dimensional Latin hypercube drawn with `seed`.
/// Throws std::invalid_argument when n or d is 0.
SobolDesign sobol_design(std::size_t n, std::size_t d, std::uint64_t seed);

/// Row of A (`which` 0), B (1) or AB_i (2 + i) for base point j: the index into
/// SobolDesign::points and into the outputs.
inline std::size_t sobol_row(const SobolDesign& design, std::size_t which, std::size_t j) {
    return which * design.n + j;
}

struct SobolIndices {
    /// First-order index of each input: the share of the variance it explains alone
    /// (Saltelli et al. 2010: mean of f(B) (f(AB_i) - f(A)) over V).
    std::vector<double> first;
    /// Total index: its share with all its interactions (Jansen 1999: mean of
    /// (f(A) - f(AB_i))^2 over 2V). total - first is what it does through interactions.
    std::vector<double> total;
    /// Bootstrap percentile intervals at the requested level (empty when bootstrap is 0).
    std::vector<double> first_low, first_high, total_low, total_high;
    double variance = 0;  ///< V: variance of the outputs over A and B together
};

/// Sobol indices from `y`, one model output per row of `design`, in its row order.
///
/// The outputs are centred on their mean over A and B before the first-order estimator is
/// applied: this changes it by a term of zero expectation, but makes the indices unchanged
/// when a constant is added to the output; uncentred, an output whose mean is large against
/// its spread (a count of thousands varying by tens) would give estimates swamped by noise.
///
/// Intervals: `bootstrap` replicates each resample the n base rows with replacement (keyed
/// by `seed` and the replicate) and recompute the indices; the interval is the replicates'
/// central `level` quantile range. On a Sobol design the bootstrap treats quasi-random
/// points as independent, so the intervals are conservative (wider than the real error).
///
/// An output that does not vary (V == 0) has every index 0, not NaN; so has a bootstrap
/// replicate whose resampled outputs do not vary. Estimates can fall slightly outside
/// [0, 1] by sampling error; they are not clipped.
///
/// Throws std::invalid_argument when the design is malformed, y has the wrong length or a
/// non-finite value, or level is not in (0, 1).
SobolIndices sobol_indices(const SobolDesign& design, const std::vector<double>& y,
                           std::size_t bootstrap, std::uint64_t seed, double level = 0.90);

/// Morris' one-at-a-time design (Morris 1991): r trajectories on a grid of `levels`
/// values {0, 1/(levels-1), ..., 1} per input. Each trajectory starts at a random grid
/// point and moves each input once, in a random order, by the step
/// delta = levels / (2 (levels - 1)), up or down, whichever stays in [0, 1] (with an even
/// number of levels exactly one does, and both ends of a move are then uniform over
/// the grid).
struct MorrisDesign {
    std::size_t r = 0;       ///< trajectories
    std::size_t d = 0;       ///< inputs
    std::size_t levels = 0;  ///< grid levels per input
    /// r*(d+1) rows of d values in [0, 1]: trajectory t is rows t*(d+1) .. t*(d+1)+d.
    std::vector<std::vector<double>> points;
    /// r*d moves: move m of trajectory t (index t*d + m) goes from row t*(d+1)+m to the next
    /// row, changing input moved[t*d + m] by step[t*d + m] (new value minus old, +-delta).
    std::vector<std::size_t> moved;
    std::vector<double> step;
};

/// Throws std::invalid_argument when r or d is 0, or levels is below 2 or odd (delta is
/// a whole number of grid steps only for an even number of levels).
MorrisDesign morris_design(std::size_t r, std::size_t d, std::size_t levels, std::uint64_t seed);

/// Per input, over its r elementary effects (y(after move) - y(before)) / step. Effects are
/// per unit-cube step: for an input mapped linearly onto [lo, hi], divide by (hi - lo) to get
/// them per unit of the parameter.
struct MorrisEffects {
    std::vector<double> mu;       ///< mean effect (signed: effects of opposite sign cancel)
    std::vector<double> mu_star;  ///< mean absolute effect (Campolongo et al. 2007): importance
    /// Standard deviation of the effects (divisor r-1; 0 when r is 1): nonlinearity or
    /// interactions.
    std::vector<double> sigma;
};

/// Elementary effects from `y`, one output per row of `design`, in its row order.
/// Throws std::invalid_argument when the design is malformed, or y has the wrong length or a
/// non-finite value.
MorrisEffects morris_effects(const MorrisDesign& design, const std::vector<double>& y);

}  // namespace hubsim
