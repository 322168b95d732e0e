// Decoding any audio file to the analysis format (see audio_buffer.h).
//
// DecodeFile opens a file with FFmpeg (libavformat/libavcodec), picks its best audio
// stream (so audio inside video containers or next to cover art works), downmixes to mono
// (the mean of all channels) and resamples to options.sample_rate with libswresample in one
// pass. The container is recognised by content, so a WAV named .mp3 decodes. It never
// throws and never crashes on bad input: zero-byte, truncated, corrupt, non-audio or
// wrong-extension files return a Status whose message names the file and the reason:
//   NotFound        the path does not exist;
//   IOError         the path cannot be read (permissions, a directory);
//   InvalidArgument options out of range;
//   Unsupported     not an audio format FFmpeg knows, no audio stream (an image, a video
//                   without sound), or no decoder for the codec;
//   Corrupt         empty file, unreadable container, or a damaged file that yields no
//                   audio (or less than a second of it).
// A damaged file that still yields a usable amount of audio is returned with
// SourceInfo::truncated set. FFmpeg's own logging is silenced process-wide on first use.
// Thread-safe: each call owns its FFmpeg contexts; the returned buffer belongs to the caller.
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
  std::string container;          // e.g. "ogg", "mp3", "mov,mp4,m4a,3gp,3g2,mj2"
  std::string codec;              // e.g. "vorbis", "flac", "aac"
  int sample_rate = 0;            // original rate
  int channels = 0;               // original channel count
  double duration_seconds = 0.0;  // decoded duration
  // The container's own duration (0 when it does not say); compare with duration_seconds.
  double declared_duration_seconds = 0.0;
  // Decoding ended early: a read error, or far less audio than the container declares.
  bool truncated = false;
  int bad_packets = 0;  // packets the decoder rejected and skipped
};

struct DecodedAudio {
  AudioBuffer audio;
  SourceInfo source;
};

Result<DecodedAudio> DecodeFile(const std::filesystem::path& path,
                                const DecodeOptions& options = {});

}  // namespace sonance
