#include "sonance/predict/verdict.h"

#include <cmath>
#include <cstdio>

namespace sonance {

namespace {

std::string Grouped(double v) {
  const long long n = std::llround(v);
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (n < 0 ? "-" : "") + out;
}

}  // namespace

StreamVerdict VerdictFor(TargetTransform transform, double streams) {
  const bool history = transform == TargetTransform::kClip0To30;
  const double scale = history ? 1.0 : 1e6;
  const double tiers[] = {history ? 20.0 : 1000 * scale, history ? 10.0 : 500 * scale,
                          history ? 5.0 : 200 * scale, history ? 1.0 : 50 * scale};
  StreamVerdict v;
  if (streams >= tiers[0]) {
    v = {"🔥", "What a banger!", ""};
  } else if (streams >= tiers[1]) {
    v = {"🎧", "This one goes on repeat.", ""};
  } else if (streams >= tiers[2]) {
    v = {"🙂", "A solid pick.", ""};
  } else if (streams >= tiers[3]) {
    v = {"🤔", "Might grow on you.", ""};
  } else {
    v = {"😴", "Probably a skip.", ""};
  }
  if (history) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "about %.1f streams of 30", streams);
    v.description = buf;
  } else {
    v.description = "about " + Grouped(streams) + " streams";
  }
  return v;
}

}  // namespace sonance
