// TrackAnalyzer: runs every analysis step on one decoded track and assembles Spotify's
// audio-features and audio-analysis objects.
//
// Steps run in order: spectrograms -> rhythm -> chroma & key -> loudness -> timbre ->
// segments & sections & fades -> 0..1 descriptors. analyze() is const, pure and thread-safe;
// one analyzer can serve many worker threads.
#pragma once

#include "sonance/analysis/track_analysis.h"
#include "sonance/audio/audio_buffer.h"
#include "sonance/common/status.h"

namespace sonance {

class TrackAnalyzer {
 public:
  TrackAnalyzer();
  // InvalidArgument for a buffer at another rate than kAnalysisSampleRate.
  Result<TrackAnalysis> analyze(const AudioBuffer& audio) const;
};

}  // namespace sonance
