#include "sonance/predict/model.h"

#include <xgboost/c_api.h>
#include <xxhash.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <mutex>
#include <numeric>
#include <system_error>

namespace sonance {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'S', 'N', 'C', 'X', 'G', 'B', '1', '\0'};
constexpr std::uint32_t kContainerVersion = 1;
constexpr std::size_t kHeaderSize = 32;
constexpr std::size_t kChecksumOffset = 24;

struct BoosterFree {
  void operator()(void* h) const { XGBoosterFree(h); }
};
struct DMatrixFree {
  void operator()(void* h) const { XGDMatrixFree(h); }
};
using BoosterPtr = std::unique_ptr<void, BoosterFree>;
using DMatrixPtr = std::unique_ptr<void, DMatrixFree>;

// XGBoost's last error on this thread without its time stamp and stack trace.
std::string LastXgbError() {
  std::string m = XGBGetLastError();
  if (const auto nl = m.find('\n'); nl != std::string::npos) m.resize(nl);
  if (m.size() > 11 && m[0] == '[' && m[9] == ']') m.erase(0, 11);  // "[16:27:08] "
  return m;
}

Status XgbFailure(const std::string& what) {
  return Status::Internal("XGBoost failed to " + what + ": " + LastXgbError());
}

// XGBoost's global configuration is per thread: set it on every thread that calls in, so
// that nothing is printed to stderr.
void QuietXgboost() {
  XGBSetGlobalConfig("{\"verbosity\": 0}");
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void PutU32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
void PutU64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint32_t GetU32(const std::uint8_t* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
std::uint64_t GetU64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::uint64_t ContainerChecksum(const std::uint8_t* header, const std::uint8_t* payload,
                                std::size_t n) {
  XXH64_state_t* state = XXH64_createState();
  XXH64_reset(state, 0);
  XXH64_update(state, header, kChecksumOffset);
  XXH64_update(state, payload, n);
  const std::uint64_t h = XXH64_digest(state);
  XXH64_freeState(state);
  return h;
}

Status CheckMatrix(std::span<const float> x, std::size_t cols) {
  if (cols == 0) return Status::InvalidArgument("a feature matrix needs at least one column");
  if (x.size() % cols != 0) {
    return Status::InvalidArgument("the feature matrix has " + std::to_string(x.size()) +
                                   " values, not a multiple of " + std::to_string(cols) +
                                   " columns");
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isinf(x[i])) {
      return Status::InvalidArgument("feature value at row " + std::to_string(i / cols) +
                                     ", column " + std::to_string(i % cols) +
                                     " is infinite (NaN marks a missing value)");
    }
  }
  return Status::Ok();
}

Result<DMatrixPtr> MakeMatrix(std::span<const float> x, std::size_t cols, int nthread) {
  DMatrixHandle h = nullptr;
  if (XGDMatrixCreateFromMat_omp(x.data(), x.size() / cols, cols,
                                 std::numeric_limits<float>::quiet_NaN(), &h, nthread) != 0) {
    return XgbFailure("build a matrix");
  }
  return DMatrixPtr(h);
}

Status SetParam(void* booster, const char* name, const std::string& value) {
  if (XGBoosterSetParam(booster, name, value.c_str()) != 0) {
    return XgbFailure(std::string("set ") + name + " = " + value);
  }
  return Status::Ok();
}

Status Range(const char* name, double v, double lo, double hi, bool lo_open,
             const std::string& range) {
  const bool ok = std::isfinite(v) && (lo_open ? v > lo : v >= lo) && v <= hi;
  if (ok) return Status::Ok();
  return Status::InvalidArgument(std::string(name) + " = " + Num(v) + " is outside " + range);
}

}  // namespace

struct XgbRegressor::Impl {
  BoosterPtr booster;
  std::size_t cols = 0;
  int rounds = 0;
  int nthread = 1;
  mutable std::mutex mu;  // XGBoost's prediction and serialisation buffers are the booster's
};

Status ValidateXgbParams(const XgbParams& p) {
  if (Status s = Range("max_depth", p.max_depth, 1, 16, false, "1..16"); !s.ok()) return s;
  if (Status s = Range("eta", p.eta, 0, 1, true, "(0, 1]"); !s.ok()) return s;
  if (Status s = Range("n_rounds", p.n_rounds, 1, 10000, false, "1..10000"); !s.ok()) return s;
  if (Status s = Range("subsample", p.subsample, 0, 1, true, "(0, 1]"); !s.ok()) return s;
  if (Status s = Range("colsample_bytree", p.colsample_bytree, 0, 1, true, "(0, 1]"); !s.ok()) {
    return s;
  }
  if (Status s = Range("min_child_weight", p.min_child_weight, 0, 1e6, false, "0..1e6"); !s.ok()) {
    return s;
  }
  if (Status s = Range("lambda", p.lambda, 0, 1e6, false, "0..1e6"); !s.ok()) return s;
  if (Status s = Range("nthread", p.nthread, 1, 64, false, "1..64"); !s.ok()) return s;
  return Status::Ok();
}

XgbRegressor::XgbRegressor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
XgbRegressor::XgbRegressor(XgbRegressor&&) noexcept = default;
XgbRegressor& XgbRegressor::operator=(XgbRegressor&&) noexcept = default;
XgbRegressor::~XgbRegressor() = default;

std::size_t XgbRegressor::num_features() const {
  return impl_->cols;
}
int XgbRegressor::rounds() const {
  return impl_->rounds;
}

Result<XgbRegressor> XgbRegressor::Train(std::span<const float> x, std::size_t cols,
                                         std::span<const float> y, const XgbParams& params) {
  if (Status s = ValidateXgbParams(params); !s.ok()) return s;
  if (y.empty()) return Status::InvalidArgument("no rows to train on");
  if (Status s = CheckMatrix(x, cols); !s.ok()) return s;
  if (x.size() / cols != y.size()) {
    return Status::InvalidArgument("the feature matrix has " + std::to_string(x.size() / cols) +
                                   " rows for " + std::to_string(y.size()) + " targets");
  }
  double sum = 0.0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y[i])) {
      return Status::InvalidArgument("target of row " + std::to_string(i) + " is not finite");
    }
    sum += y[i];
  }
  QuietXgboost();
  auto matrix = MakeMatrix(x, cols, params.nthread);
  if (!matrix.ok()) return matrix.status();
  if (XGDMatrixSetFloatInfo(matrix->get(), "label", y.data(), y.size()) != 0) {
    return XgbFailure("set the targets");
  }
  DMatrixHandle train[] = {matrix->get()};
  BoosterHandle handle = nullptr;
  if (XGBoosterCreate(train, 1, &handle) != 0) return XgbFailure("create a booster");
  BoosterPtr booster(handle);
  const std::pair<const char*, std::string> settings[] = {
      {"objective", "reg:squarederror"},
      {"tree_method", "hist"},
      {"verbosity", "0"},
      {"nthread", std::to_string(params.nthread)},
      {"seed", std::to_string(params.seed)},
      {"max_depth", std::to_string(params.max_depth)},
      {"eta", Num(params.eta)},
      {"subsample", Num(params.subsample)},
      {"colsample_bytree", Num(params.colsample_bytree)},
      {"min_child_weight", Num(params.min_child_weight)},
      {"lambda", Num(params.lambda)},
      {"base_score", Num(sum / static_cast<double>(y.size()))},
  };
  for (const auto& [name, value] : settings) {
    if (Status s = SetParam(booster.get(), name, value); !s.ok()) return s;
  }
  for (int i = 0; i < params.n_rounds; ++i) {
    if (XGBoosterUpdateOneIter(booster.get(), i, matrix->get()) != 0) {
      return XgbFailure("train round " + std::to_string(i));
    }
  }
  auto impl = std::make_unique<Impl>();
  impl->booster = std::move(booster);
  impl->cols = cols;
  impl->rounds = params.n_rounds;
  impl->nthread = params.nthread;
  return XgbRegressor(std::move(impl));
}

Result<std::vector<double>> XgbRegressor::Predict(std::span<const float> x) const {
  if (Status s = CheckMatrix(x, impl_->cols); !s.ok()) return s;
  const std::size_t rows = x.size() / impl_->cols;
  if (rows == 0) return std::vector<double>{};
  std::lock_guard lock(impl_->mu);
  QuietXgboost();
  auto matrix = MakeMatrix(x, impl_->cols, impl_->nthread);
  if (!matrix.ok()) return matrix.status();
  bst_ulong n = 0;
  const float* out = nullptr;
  if (XGBoosterPredict(impl_->booster.get(), matrix->get(), 0, 0, 0, &n, &out) != 0) {
    return XgbFailure("predict");
  }
  if (n != rows) {
    return Status::Internal("XGBoost gave " + std::to_string(n) + " predictions for " +
                            std::to_string(rows) + " rows");
  }
  // The buffer is the booster's and the next call overwrites it: copy it now.
  return std::vector<double>(out, out + n);
}

Result<std::vector<std::uint8_t>> XgbRegressor::Serialize() const {
  std::vector<std::uint8_t> bytes(kHeaderSize);
  {
    std::lock_guard lock(impl_->mu);
    QuietXgboost();
    bst_ulong n = 0;
    const char* data = nullptr;
    if (XGBoosterSaveModelToBuffer(impl_->booster.get(), "{\"format\": \"ubj\"}", &n, &data) != 0) {
      return XgbFailure("serialise the model");
    }
    bytes.insert(bytes.end(), data, data + n);
  }
  std::memcpy(bytes.data(), kMagic, sizeof kMagic);
  PutU32(bytes.data() + 8, kContainerVersion);
  PutU32(bytes.data() + 12, static_cast<std::uint32_t>(impl_->cols));
  const std::size_t payload = bytes.size() - kHeaderSize;
  PutU64(bytes.data() + 16, payload);
  PutU64(bytes.data() + kChecksumOffset,
         ContainerChecksum(bytes.data(), bytes.data() + kHeaderSize, payload));
  return bytes;
}

Status XgbRegressor::SaveToFile(const fs::path& path) const {
  auto bytes = Serialize();
  if (!bytes.ok()) return bytes.status();
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::IOError("cannot write " + tmp.string());
    out.write(reinterpret_cast<const char*>(bytes->data()),
              static_cast<std::streamsize>(bytes->size()));
    out.close();
    if (!out) return Status::IOError("cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Status::IOError("cannot replace " + path.string() + ": " + ec.message());
  }
  return Status::Ok();
}

Result<XgbRegressor> XgbRegressor::LoadFromFile(const fs::path& path, int nthread) {
  if (nthread < 1 || nthread > 64) {
    return Status::InvalidArgument("nthread = " + std::to_string(nthread) + " is outside 1..64");
  }
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::NotFound("no model file " + path.string());
  if (!fs::is_regular_file(path, ec)) {
    return Status::IOError(path.string() + " is not a regular file");
  }
  std::vector<std::uint8_t> bytes;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::IOError("cannot read " + path.string());
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) return Status::IOError("cannot read " + path.string());
  }
  const std::string where = "model file " + path.string();
  if (bytes.size() < kHeaderSize) {
    return Status::Corrupt(where + " is truncated: " + std::to_string(bytes.size()) +
                           " bytes, shorter than its " + std::to_string(kHeaderSize) +
                           "-byte header");
  }
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    return Status::Corrupt(where + " is not a Sonance model file (wrong magic)");
  }
  const std::uint32_t version = GetU32(bytes.data() + 8);
  if (version != kContainerVersion) {
    return Status::Unsupported(where + " has container version " + std::to_string(version) +
                               "; this build reads version " + std::to_string(kContainerVersion));
  }
  const std::uint32_t cols = GetU32(bytes.data() + 12);
  const std::uint64_t payload = GetU64(bytes.data() + 16);
  const std::size_t actual = bytes.size() - kHeaderSize;
  if (payload > actual) {
    return Status::Corrupt(where + " is truncated: " + std::to_string(actual) + " of " +
                           std::to_string(payload) + " model bytes");
  }
  if (payload < actual) {
    return Status::Corrupt(where + " has " + std::to_string(actual - payload) +
                           " bytes after its model");
  }
  if (ContainerChecksum(bytes.data(), bytes.data() + kHeaderSize, actual) !=
      GetU64(bytes.data() + kChecksumOffset)) {
    return Status::Corrupt(where + " fails its checksum (the file is damaged)");
  }
  if (cols == 0) return Status::Corrupt(where + " has no feature columns");

  QuietXgboost();
  BoosterHandle handle = nullptr;
  if (XGBoosterCreate(nullptr, 0, &handle) != 0) return XgbFailure("create a booster");
  BoosterPtr booster(handle);
  if (XGBoosterLoadModelFromBuffer(booster.get(), bytes.data() + kHeaderSize, actual) != 0) {
    return Status::Corrupt(where + " was refused by XGBoost: " + LastXgbError());
  }
  if (Status s = SetParam(booster.get(), "nthread", std::to_string(nthread)); !s.ok()) return s;
  if (Status s = SetParam(booster.get(), "verbosity", "0"); !s.ok()) return s;
  bst_ulong features = 0;
  int rounds = 0;
  if (XGBoosterGetNumFeature(booster.get(), &features) != 0 ||
      XGBoosterBoostedRounds(booster.get(), &rounds) != 0) {
    return Status::Corrupt(where + " was refused by XGBoost: " + LastXgbError());
  }
  if (features != cols) {
    return Status::Corrupt(where + " says " + std::to_string(cols) +
                           " features but its model has " + std::to_string(features));
  }
  auto impl = std::make_unique<Impl>();
  impl->booster = std::move(booster);
  impl->cols = cols;
  impl->rounds = rounds;
  impl->nthread = nthread;
  return XgbRegressor(std::move(impl));
}

}  // namespace sonance
