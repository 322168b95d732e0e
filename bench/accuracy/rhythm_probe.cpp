// rhythm_probe FILE: decodes one audio file to the analysis format, runs RhythmAnalyzer on
// it and prints one JSON object with the audio-features fields the rhythm step owns
// (tempo, time_signature), their confidences, the beat/bar/tatum counts, and the CPU time
// of the rhythm analysis alone (decoding excluded). Used by accuracy.py while the
// `sonance features` command is not available, and to time the rhythm step.
// Exit status: 0 ok, 1 the file could not be decoded, 2 usage.
#include <time.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "sonance/analysis/rhythm.h"
#include "sonance/audio/decoder.h"

namespace {

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: rhythm_probe AUDIO_FILE\n");
    return 2;
  }
  auto decoded = sonance::DecodeFile(argv[1]);
  if (!decoded.ok()) {
    std::fprintf(stderr, "%s\n", decoded.status().ToString().c_str());
    return 1;
  }
  auto analyzer = sonance::RhythmAnalyzer::Create({});
  if (!analyzer.ok()) {
    std::fprintf(stderr, "%s\n", analyzer.status().ToString().c_str());
    return 1;
  }
  const auto& samples = decoded->audio.samples;
  const double start = ProcessCpuSeconds();
  const sonance::RhythmResult r = analyzer->compute(samples);
  const double cpu = ProcessCpuSeconds() - start;
  nlohmann::json out = {
      {"tempo", r.tempo.bpm},
      {"tempo_confidence", r.tempo.confidence},
      {"time_signature", r.time_signature},
      {"time_signature_confidence", r.time_signature_confidence},
      {"beats", r.beats.size()},
      {"bars", r.bars.size()},
      {"tatums", r.tatums.size()},
      {"duration", decoded->audio.duration_seconds()},
      {"rhythm_cpu_seconds", cpu},
  };
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
