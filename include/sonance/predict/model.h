// XgbRegressor: gradient-boosted regression trees (XGBoost, objective reg:squarederror) over
// a row-major float matrix in which NaN marks a missing value (XGBoost learns a default
// direction for missing values at every split, so nothing is imputed).
//
// Training is deterministic: the same data and the same XgbParams (seed and nthread included)
// give the same trees, predictions and model bytes. The tree method is "hist"; base_score is
// the mean of the training targets (so the first trees fit the residuals around the mean, as
// XGBoost 2 does by default; 1.7's fixed 0.5 would waste rounds on a log1p target near 15).
//
// Model files are Sonance's own container around XGBoost's UBJSON model, so that a damaged
// file is refused before XGBoost parses it (XGBoost's parser is not built for hostile or
// truncated input). Layout, little-endian:
//
//   0  8 bytes  magic "SNCXGB1\0"
//   8  u32      container version (1)
//  12  u32      number of feature columns
//  16  u64      payload length in bytes
//  24  u64      XXH64 (seed 0) of bytes 0..23 followed by the payload
//  32  payload  XGBoost's model (XGBoosterSaveModelToBuffer, format "ubj")
//
// Thread-safety: Predict may be called from several threads (calls on one model are
// serialised: XGBoost's prediction buffer belongs to the booster). Train, LoadFromFile and
// SaveToFile touch nothing shared. Ownership: XgbRegressor owns its booster (freed in the
// destructor); it is movable, not copyable. Every returned vector is the caller's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sonance/common/status.h"

namespace sonance {

// The boosting parameters, with MusicFlow-sized defaults (a few hundred to a few thousand
// rows, 33 features). ValidateXgbParams gives the ranges.
struct XgbParams {
  int max_depth = 4;              // 1..16: depth of each tree
  double eta = 0.05;              // (0, 1]: learning rate (shrinkage of each tree)
  int n_rounds = 300;             // 1..10000: boosting rounds (trees); no early stopping
  double subsample = 0.8;         // (0, 1]: share of rows sampled for each tree
  double colsample_bytree = 0.8;  // (0, 1]: share of columns sampled for each tree
  double min_child_weight = 1.0;  // 0..1e6: least hessian (rows, for squared error) in a leaf
  double lambda = 1.0;            // 0..1e6: L2 penalty on leaf weights
  std::uint32_t seed = 42;        // sampling seed
  // 1..64 threads. Set explicitly and recorded with the model: results are reproducible for a
  // given value; 1 is exactly reproducible on any machine.
  int nthread = 1;
};

// InvalidArgument naming the parameter and its range.
Status ValidateXgbParams(const XgbParams& params);

class XgbRegressor {
 public:
  // Trains on `x` (y.size() rows of `cols` floats, NaN = missing) and targets `y`.
  // InvalidArgument for no rows, cols == 0, a size mismatch, an infinite value in x, a target
  // that is not finite, or invalid params; Internal when XGBoost fails (its message kept).
  static Result<XgbRegressor> Train(std::span<const float> x, std::size_t cols,
                                    std::span<const float> y, const XgbParams& params);

  // Reads a model file written by SaveToFile. NotFound when it does not exist; Corrupt (with
  // the path) when it is truncated, has the wrong magic, fails its checksum or is refused by
  // XGBoost; Unsupported for a newer container version. `nthread` (1..64) is used for
  // prediction (it is not part of the model).
  static Result<XgbRegressor> LoadFromFile(const std::filesystem::path& path, int nthread = 1);

  XgbRegressor(XgbRegressor&&) noexcept;
  XgbRegressor& operator=(XgbRegressor&&) noexcept;
  ~XgbRegressor();

  // One prediction per row of `x` (rows of num_features() floats, NaN = missing).
  // InvalidArgument when x.size() is not a multiple of num_features() or holds an infinity.
  Result<std::vector<double>> Predict(std::span<const float> x) const;

  // Writes the container above to `path` (via a temporary file and a rename, so a crash
  // leaves the old file or the new one). IOError naming the path.
  Status SaveToFile(const std::filesystem::path& path) const;
  // The container's bytes (what SaveToFile writes).
  Result<std::vector<std::uint8_t>> Serialize() const;

  std::size_t num_features() const;
  int rounds() const;

 private:
  struct Impl;
  explicit XgbRegressor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sonance
