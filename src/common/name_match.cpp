#include "sonance/common/name_match.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include "sonance/common/utf8.h"

namespace sonance {

namespace {

// Lower-case ASCII spelling of U+00C0..U+017F without diacritics; "" for the two signs in
// that range (multiplication and division), which act as punctuation.
constexpr std::array<const char*, 0x180 - 0xC0> kLatinBase = {
    // U+00C0
    "a",
    "a",
    "a",
    "a",
    "a",
    "a",
    "ae",
    "c",
    "e",
    "e",
    "e",
    "e",
    "i",
    "i",
    "i",
    "i",
    // U+00D0
    "d",
    "n",
    "o",
    "o",
    "o",
    "o",
    "o",
    "",
    "o",
    "u",
    "u",
    "u",
    "u",
    "y",
    "th",
    "ss",
    // U+00E0
    "a",
    "a",
    "a",
    "a",
    "a",
    "a",
    "ae",
    "c",
    "e",
    "e",
    "e",
    "e",
    "i",
    "i",
    "i",
    "i",
    // U+00F0
    "d",
    "n",
    "o",
    "o",
    "o",
    "o",
    "o",
    "",
    "o",
    "u",
    "u",
    "u",
    "u",
    "y",
    "th",
    "y",
    // U+0100
    "a",
    "a",
    "a",
    "a",
    "a",
    "a",
    "c",
    "c",
    "c",
    "c",
    "c",
    "c",
    "c",
    "c",
    "d",
    "d",
    // U+0110
    "d",
    "d",
    "e",
    "e",
    "e",
    "e",
    "e",
    "e",
    "e",
    "e",
    "e",
    "e",
    "g",
    "g",
    "g",
    "g",
    // U+0120
    "g",
    "g",
    "g",
    "g",
    "h",
    "h",
    "h",
    "h",
    "i",
    "i",
    "i",
    "i",
    "i",
    "i",
    "i",
    "i",
    // U+0130
    "i",
    "i",
    "ij",
    "ij",
    "j",
    "j",
    "k",
    "k",
    "k",
    "l",
    "l",
    "l",
    "l",
    "l",
    "l",
    "l",
    // U+0140
    "l",
    "l",
    "l",
    "n",
    "n",
    "n",
    "n",
    "n",
    "n",
    "n",
    "n",
    "n",
    "o",
    "o",
    "o",
    "o",
    // U+0150
    "o",
    "o",
    "oe",
    "oe",
    "r",
    "r",
    "r",
    "r",
    "r",
    "r",
    "s",
    "s",
    "s",
    "s",
    "s",
    "s",
    // U+0160
    "s",
    "s",
    "t",
    "t",
    "t",
    "t",
    "t",
    "t",
    "u",
    "u",
    "u",
    "u",
    "u",
    "u",
    "u",
    "u",
    // U+0170
    "u",
    "u",
    "u",
    "u",
    "w",
    "w",
    "y",
    "y",
    "y",
    "z",
    "z",
    "z",
    "z",
    "z",
    "z",
    "s",
};

bool IsApostrophe(std::uint32_t cp) {
  return cp == '\'' || cp == 0x2018 || cp == 0x2019 || cp == 0x02BC || cp == '`' || cp == 0xB4;
}

bool IsOpenBracket(std::uint32_t cp) {
  return cp == '(' || cp == '[' || cp == '{';
}
bool IsCloseBracket(std::uint32_t cp) {
  return cp == ')' || cp == ']' || cp == '}';
}

// Combining diacritical marks vanish (a decomposed "e" + U+0301 reads "e").
bool IsCombiningMark(std::uint32_t cp) {
  return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
         (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x20D0 && cp <= 0x20FF) ||
         (cp >= 0xFE20 && cp <= 0xFE2F);
}

// Word characters: ASCII letters and digits, and any non-ASCII code point that is not
// punctuation or a symbol we know of (letters of other scripts stay part of words).
bool IsWordChar(std::uint32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9');
  if (cp < 0xC0) return cp == 0xAA || cp == 0xB5 || cp == 0xBA;  // ª µ º
  if (cp >= 0x2000 && cp <= 0x2BFF) return false;                // punctuation, symbols
  if (cp >= 0x3000 && cp <= 0x303F) return false;                // CJK punctuation
  if (cp >= 0xFF00 && cp <= 0xFF0F) return false;                // fullwidth punctuation
  return true;
}

struct Token {
  std::string text;
  int depth = 0;  // bracket depth at which the word stood
};

bool IsFeatureWord(const std::string& w) {
  return w == "feat" || w == "ft" || w == "featuring";
}

// Case-folded, accent-free words with their bracket depth; "&" becomes the word "and".
std::vector<Token> Words(std::string_view name) {
  const std::string folded = FoldCase(name);
  std::vector<Token> words;
  std::string current;
  int depth = 0;
  auto flush = [&] {
    if (!current.empty()) words.push_back({std::move(current), depth});
    current.clear();
  };
  std::size_t i = 0;
  while (i < folded.size()) {
    const std::uint32_t cp = NextCodePoint(folded, &i);
    if (IsApostrophe(cp) || IsCombiningMark(cp)) continue;
    if (cp >= 0xC0 && cp < 0x180) {
      const char* base = kLatinBase[cp - 0xC0];
      if (*base != '\0') {
        current += base;
        continue;
      }
    } else if (IsWordChar(cp)) {
      AppendUtf8(cp, &current);
      continue;
    }
    flush();
    if (IsOpenBracket(cp)) {
      ++depth;
    } else if (IsCloseBracket(cp)) {
      depth = std::max(0, depth - 1);
    } else if (cp == '&' || cp == '+') {
      words.push_back({"and", depth});
    }
  }
  flush();
  return words;
}

}  // namespace

std::string NormalizeName(std::string_view name) {
  const std::vector<Token> words = Words(name);
  std::vector<const std::string*> kept;
  kept.reserve(words.size());
  for (std::size_t k = 0; k < words.size(); ++k) {
    // A credit never opens a name; "Feat" alone or first is a title word.
    if (k > 0 && IsFeatureWord(words[k].text)) {
      const int depth = words[k].depth;
      if (depth == 0) break;  // " feat. X" runs to the end
      while (k + 1 < words.size() && words[k + 1].depth >= depth) ++k;
      continue;
    }
    kept.push_back(&words[k].text);
  }
  std::size_t first = 0;
  if (kept.size() > 1 && *kept[0] == "the") first = 1;
  std::string out;
  for (std::size_t k = first; k < kept.size(); ++k) {
    if (!out.empty()) out.push_back(' ');
    out += *kept[k];
  }
  return out;
}

namespace {

std::vector<std::uint32_t> CodePoints(std::string_view s) {
  std::vector<std::uint32_t> cps;
  cps.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) cps.push_back(NextCodePoint(s, &i));
  return cps;
}

double LevenshteinRatio(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  if (n == 0 && m == 0) return 1.0;
  std::vector<std::size_t> row(m + 1);
  for (std::size_t j = 0; j <= m; ++j) row[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0u : 1u)});
      diag = up;
    }
  }
  return 1.0 - static_cast<double>(row[m]) / static_cast<double>(std::max(n, m));
}

// Trigrams of " s " (padded so that short words and word starts count).
std::vector<std::uint64_t> Trigrams(const std::vector<std::uint32_t>& cps) {
  std::vector<std::uint32_t> padded;
  padded.reserve(cps.size() + 2);
  padded.push_back(' ');
  padded.insert(padded.end(), cps.begin(), cps.end());
  padded.push_back(' ');
  std::vector<std::uint64_t> grams;
  for (std::size_t i = 0; i + 2 < padded.size(); ++i) {
    grams.push_back((static_cast<std::uint64_t>(padded[i]) << 42) ^
                    (static_cast<std::uint64_t>(padded[i + 1]) << 21) ^ padded[i + 2]);
  }
  std::sort(grams.begin(), grams.end());
  return grams;
}

double TrigramDice(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b) {
  const auto ga = Trigrams(a);
  const auto gb = Trigrams(b);
  if (ga.empty() || gb.empty()) return 0.0;
  std::size_t common = 0;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < ga.size() && j < gb.size()) {
    if (ga[i] == gb[j]) {
      ++common, ++i, ++j;
    } else if (ga[i] < gb[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return 2.0 * static_cast<double>(common) / static_cast<double>(ga.size() + gb.size());
}

std::string Trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(kSpace);
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

double NameSimilarity(std::string_view a, std::string_view b) {
  if (a == b) return 1.0;
  if (a.empty() || b.empty()) return 0.0;
  const auto ca = CodePoints(a);
  const auto cb = CodePoints(b);
  return std::max(LevenshteinRatio(ca, cb), TrigramDice(ca, cb));
}

std::vector<std::string> SplitArtistCredit(std::string_view credit) {
  // Separators, matched case-insensitively on word boundaries; ';' and '/' anywhere.
  static constexpr std::string_view kWordSeparators[] = {" featuring ", " feat. ", " feat ",
                                                         " ft. ", " ft "};
  // Brackets read as spaces: "A (feat. B)" credits "A" and "B".
  std::string spaced(credit);
  std::replace_if(
      spaced.begin(), spaced.end(),
      [](char c) { return c == '(' || c == ')' || c == '[' || c == ']'; }, ' ');
  credit = spaced;
  const std::string lower = FoldCase(credit);
  // FoldCase keeps byte lengths for ASCII, and every separator is ASCII, but a non-ASCII
  // letter may change length when folded: search the folded text only when lengths agree.
  const bool aligned = lower.size() == credit.size();
  std::vector<std::string> names;
  std::size_t start = 0;
  std::size_t i = 0;
  auto emit = [&](std::size_t end) {
    std::string name = Trim(credit.substr(start, end - start));
    if (!name.empty()) names.push_back(std::move(name));
  };
  while (i < credit.size()) {
    if (credit[i] == ';' || credit[i] == '/') {
      emit(i);
      start = ++i;
      continue;
    }
    bool matched = false;
    if (aligned) {
      for (std::string_view sep : kWordSeparators) {
        if (std::string_view(lower).substr(i, sep.size()) == sep) {
          emit(i);
          i += sep.size();
          start = i;
          matched = true;
          break;
        }
      }
    }
    if (!matched) ++i;
  }
  emit(credit.size());
  return names;
}

}  // namespace sonance
