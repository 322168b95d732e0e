// A small ESA concept space for tests: three topics (sea, war, kitchen) of two concepts each,
// so texts about one topic share its concepts and nothing else. Words every concept of a
// topic has: sea "ship sail ocean sailor", war "battle army fire soldier siege", kitchen
// "bread kitchen cook".
#pragma once

#include <vector>

#include "sonance/text/esa.h"

namespace sonance::test {

inline std::vector<EsaConcept> TopicConcepts() {
  return {
      {"sea", "ocean waves sail ship harbour tide sailor"},
      {"sea voyage", "ship sail ocean storm sailor voyage"},
      {"war", "battle sword army fire soldier siege"},
      {"war siege", "siege fire battle castle soldier army"},
      {"kitchen", "bread oven bake flour kitchen cook"},
      {"feast", "cook bread feast table wine kitchen"},
  };
}

}  // namespace sonance::test
