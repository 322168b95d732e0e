// MusicFlow's answer to "will I like it?": a predicted stream count turned into an emoji and
// a line of text, by documented tiers.
//
// For a model trained on the listening history (streams clipped to 0..30 per track):
//   >= 20 "🔥" "What a banger!"; >= 10 "🎧" "This one goes on repeat.";
//   >= 5 "🙂" "A solid pick."; >= 1 "🤔" "Might grow on you."; else "😴" "Probably a skip."
// For a model trained on total streams (log1p target, e.g. spotify-2023.csv), the same tiers
// at 1,000,000,000 / 500,000,000 / 200,000,000 / 50,000,000 streams.
#pragma once

#include <string>

#include "sonance/predict/dataset.h"

namespace sonance {

struct StreamVerdict {
  std::string emoji;
  std::string text;
  std::string description;  // "about 12 streams of 30" / "about 350,000,000 streams"
};

StreamVerdict VerdictFor(TargetTransform transform, double streams);

}  // namespace sonance
