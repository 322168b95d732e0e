#include "sonance/audio/decoder.h"
namespace sonance {
Result<DecodedAudio> DecodeFile(const std::filesystem::path& path, const DecodeOptions&) {
  return Status::Unsupported("decoding not built yet: " + path.string());
}
}  // namespace sonance
