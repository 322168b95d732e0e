// Decoding any audio file to the analysis format (see audio_buffer.h).
//
// DecodeFile opens a file with FFmpeg (libavformat/libavcodec), picks its best audio
// stream (so audio inside video containers or next to cover art works), downmixes to mono
// and resamples to options.sample_rate with libswresample. It never throws and never
// crashes on bad input: zero-byte, truncated, corrupt, non-audio or wrong-extension files
// return a Status (Corrupt, Unsupported, IOError, NotFound) whose message names the file
// and the reason. Thread-safe: each call owns its FFmpeg contexts.
#pragma once

#include <filesystem>
#include <string>

#include "sonance/audio/audio_buffer.h"
#include "sonance/common/status.h"

namespace sonance {

struct DecodeOptions {
  int sample_rate = kAnalysisSampleRate;  // output rate, 8000..192000
  double max_seconds = 0.0;               // stop after this much audio; 0 = whole file
};

// What the file was before it was turned into an AudioBuffer.
struct SourceInfo {
  std::string container;  // e.g. "ogg", "mp3", "mov,mp4,m4a,3gp,3g2,mj2"
  std::string codec;      // e.g. "vorbis", "flac", "aac"
  int sample_rate = 0;    // original rate
  int channels = 0;       // original channel count
  double duration_seconds = 0.0;  // decoded duration
};

struct DecodedAudio {
  AudioBuffer audio;
  SourceInfo source;
};

Result<DecodedAudio> DecodeFile(const std::filesystem::path& path,
                                const DecodeOptions& options = {});

}  // namespace sonance
