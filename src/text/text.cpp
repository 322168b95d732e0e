#include "sonance/text/text.h"

#include <libstemmer.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <memory>
#include <string>

#include "sonance/common/utf8.h"

namespace sonance::text {

namespace {

// NextCodePoint decodes a malformed byte as itself and advances by one; a well-formed
// one-byte sequence is always ASCII, so "one byte and >= 0x80" means malformed.
struct Decoded {
  std::uint32_t cp = 0;
  bool malformed = false;
};

Decoded Decode(std::string_view s, std::size_t* i) {
  const std::size_t start = *i;
  Decoded d;
  d.cp = NextCodePoint(s, i);
  d.malformed = *i - start == 1 && d.cp >= 0x80;
  return d;
}

// ---------------------------------------------------------------------------------------
// Word characters.

struct CodePointRange {
  std::uint32_t lo;
  std::uint32_t hi;  // inclusive
};

// Non-ASCII code points that separate words: punctuation, spaces, symbols, emoji and the
// invisible marks that ride along with emoji (variation selectors, ZWJ, keycaps, tags).
// Everything else at or above U+0080 counts as part of a word (letters of any script,
// combining accents). Sorted and disjoint.
constexpr std::array<CodePointRange, 26> kSeparatorRanges = {{
    {0x0080, 0x009F},    // C1 controls
    {0x00A0, 0x00A9},    // NBSP, inverted '!', currency, section sign, (c)
    {0x00AB, 0x00B4},    // guillemet, soft hyphen, degree, superscripts, acute
    {0x00B6, 0x00B9},    // pilcrow, middle dot, cedilla, superscript one
    {0x00BB, 0x00BF},    // guillemet, vulgar fractions, inverted '?'
    {0x00D7, 0x00D7},    // multiplication sign
    {0x00F7, 0x00F7},    // division sign
    {0x1680, 0x1680},    // ogham space mark
    {0x2000, 0x206F},    // general punctuation: spaces, dashes, quotes, ZWJ, bidi marks
    {0x20A0, 0x20FF},    // currency; combining marks for symbols (keycap U+20E3)
    {0x2190, 0x2BFF},    // arrows, math operators, technical, box drawing, dingbats
    {0x2E00, 0x2E7F},    // supplemental punctuation
    {0x3000, 0x303F},    // CJK symbols and punctuation (ideographic space, 。「」)
    {0xFE00, 0xFE0F},    // variation selectors (emoji presentation)
    {0xFE30, 0xFE6F},    // CJK compatibility forms, small form variants
    {0xFEFF, 0xFEFF},    // byte order mark
    {0xFF00, 0xFF0F},    // fullwidth punctuation
    {0xFF1A, 0xFF20},    // fullwidth : ; < = > ? @
    {0xFF3B, 0xFF40},    // fullwidth [ \ ] ^ _ `
    {0xFF5B, 0xFF65},    // fullwidth { | } ~, halfwidth CJK punctuation
    {0xFFF9, 0xFFFD},    // interlinear annotation, object and replacement characters
    {0x1F000, 0x1FAFF},  // mahjong, cards, emoji, pictographs, skin tones, flags
    {0x1FB00, 0x1FBFF},  // symbols for legacy computing
    {0xE0000, 0xE007F},  // tags (subdivision flags)
    {0xE0100, 0xE01EF},  // variation selectors supplement
    {0x10FFFE, 0x10FFFF},
}};

constexpr bool RangesAreSortedAndDisjoint() {
  for (std::size_t i = 0; i < kSeparatorRanges.size(); ++i) {
    if (kSeparatorRanges[i].lo > kSeparatorRanges[i].hi) return false;
    if (i > 0 && kSeparatorRanges[i - 1].hi >= kSeparatorRanges[i].lo) return false;
  }
  return true;
}
static_assert(RangesAreSortedAndDisjoint());

bool IsAsciiAlpha(std::uint32_t cp) {
  return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
}
bool IsAsciiDigit(std::uint32_t cp) {
  return cp >= '0' && cp <= '9';
}

bool IsWordChar(std::uint32_t cp) {
  if (cp < 0x80) return IsAsciiAlpha(cp) || IsAsciiDigit(cp);
  // First range whose upper end is >= cp; cp separates when it also starts at or before cp.
  const auto* it =
      std::lower_bound(kSeparatorRanges.begin(), kSeparatorRanges.end(), cp,
                       [](const CodePointRange& r, std::uint32_t v) { return r.hi < v; });
  return it == kSeparatorRanges.end() || cp < it->lo;
}

// Joiners are kept (normalised) only between two word characters.
char JoinerFor(std::uint32_t cp) {
  if (cp == '\'' || cp == 0x2019) return '\'';  // apostrophe, right single quotation mark
  if (cp == '-' || cp == 0x2010 || cp == 0x2011) return '-';  // hyphen-minus, (non-breaking) hyphen
  return 0;
}

// ---------------------------------------------------------------------------------------
// Sentences.

bool IsSpace(std::uint32_t cp) {
  switch (cp) {
    case ' ':
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool IsTerminator(char c) {
  return c == '.' || c == '!' || c == '?';
}

// Closing quotes and brackets that belong to the sentence they follow: `"Stop!" he said`.
bool IsCloser(std::uint32_t cp) {
  switch (cp) {
    case '"':
    case '\'':
    case ')':
    case ']':
    case '}':
    case 0xBB:    // »
    case 0x2019:  // ’
    case 0x201D:  // ”
    case 0x203A:  // ›
    case 0x300D:  // 」
    case 0x300F:  // 』
      return true;
    default:
      return false;
  }
}

// Opening quotes and brackets in front of a word: `(Dr. Jones)`.
bool IsOpener(std::uint32_t cp) {
  switch (cp) {
    case '"':
    case '\'':
    case '(':
    case '[':
    case '{':
    case 0xAB:    // «
    case 0x2018:  // ‘
    case 0x201C:  // “
    case 0x2039:  // ‹
    case 0x300C:  // 「
    case 0x300E:  // 『
      return true;
    default:
      return false;
  }
}

// Sorted; case-sensitive so that a sentence ending in lower-case "no." still ends. The
// lower-case entries also match with a capital first letter ("E.g." opening a sentence).
constexpr std::array<std::string_view, 14> kAbbreviations = {
    "Dr", "Jr", "Mr", "Mrs", "Ms", "Mt", "No", "Prof", "Sr", "St", "e.g", "etc", "i.e", "vs",
};
static_assert(std::is_sorted(kAbbreviations.begin(), kAbbreviations.end()));

bool IsKnownAbbreviation(std::string_view word) {
  if (std::binary_search(kAbbreviations.begin(), kAbbreviations.end(), word)) return true;
  if (word.empty() || word[0] < 'A' || word[0] > 'Z') return false;
  std::string lowered(word);
  lowered[0] = static_cast<char>(lowered[0] - 'A' + 'a');
  return std::binary_search(kAbbreviations.begin(), kAbbreviations.end(),
                            std::string_view(lowered));
}

// `word` is the text between the previous whitespace and a single '.': an abbreviation
// from the list or a single capital letter (an initial, "J. R. R. Tolkien").
bool IsAbbreviation(std::string_view word) {
  std::size_t i = 0;
  while (i < word.size()) {
    std::size_t next = i;
    if (!IsOpener(Decode(word, &next).cp)) break;
    i = next;
  }
  word.remove_prefix(i);
  if (word.empty()) return false;
  if (IsKnownAbbreviation(word)) return true;
  std::size_t end = 0;
  const Decoded d = Decode(word, &end);
  if (end != word.size() || d.malformed) return false;
  if (d.cp < 0x80) return d.cp >= 'A' && d.cp <= 'Z';
  return IsWordChar(d.cp) && FoldCase(word) != word;  // a non-ASCII capital letter
}

std::string_view Trim(std::string_view s) {
  std::size_t first = s.size();
  std::size_t last_end = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t start = i;
    const Decoded d = Decode(s, &i);
    if (d.malformed || !IsSpace(d.cp)) {
      if (first == s.size()) first = start;
      last_end = i;
    }
  }
  if (first == s.size()) return {};
  return s.substr(first, last_end - first);
}

// ---------------------------------------------------------------------------------------
// Stop words and stemming.

// The Snowball English stop list (snowball.tartarus.org/algorithms/english/stop.txt),
// in byte order for binary search.
constexpr std::array<std::string_view, 174> kStopWords = {
    "a",          "about",   "above",     "after",   "again",    "against",    "all",    "am",
    "an",         "and",     "any",       "are",     "aren't",   "as",         "at",     "be",
    "because",    "been",    "before",    "being",   "below",    "between",    "both",   "but",
    "by",         "can't",   "cannot",    "could",   "couldn't", "did",        "didn't", "do",
    "does",       "doesn't", "doing",     "don't",   "down",     "during",     "each",   "few",
    "for",        "from",    "further",   "had",     "hadn't",   "has",        "hasn't", "have",
    "haven't",    "having",  "he",        "he'd",    "he'll",    "he's",       "her",    "here",
    "here's",     "hers",    "herself",   "him",     "himself",  "his",        "how",    "how's",
    "i",          "i'd",     "i'll",      "i'm",     "i've",     "if",         "in",     "into",
    "is",         "isn't",   "it",        "it's",    "its",      "itself",     "let's",  "me",
    "more",       "most",    "mustn't",   "my",      "myself",   "no",         "nor",    "not",
    "of",         "off",     "on",        "once",    "only",     "or",         "other",  "ought",
    "our",        "ours",    "ourselves", "out",     "over",     "own",        "same",   "shan't",
    "she",        "she'd",   "she'll",    "she's",   "should",   "shouldn't",  "so",     "some",
    "such",       "than",    "that",      "that's",  "the",      "their",      "theirs", "them",
    "themselves", "then",    "there",     "there's", "these",    "they",       "they'd", "they'll",
    "they're",    "they've", "this",      "those",   "through",  "to",         "too",    "under",
    "until",      "up",      "very",      "was",     "wasn't",   "we",         "we'd",   "we'll",
    "we're",      "we've",   "were",      "weren't", "what",     "what's",     "when",   "when's",
    "where",      "where's", "which",     "while",   "who",      "who's",      "whom",   "why",
    "why's",      "with",    "won't",     "would",   "wouldn't", "you",        "you'd",  "you'll",
    "you're",     "you've",  "your",      "yours",   "yourself", "yourselves",
};
static_assert(std::is_sorted(kStopWords.begin(), kStopWords.end()));

struct StemmerDeleter {
  void operator()(sb_stemmer* s) const { sb_stemmer_delete(s); }
};

// libstemmer instances keep per-call state, so each thread gets its own.
sb_stemmer* ThreadStemmer() {
  thread_local const std::unique_ptr<sb_stemmer, StemmerDeleter> stemmer(
      sb_stemmer_new("english", "UTF_8"));
  return stemmer.get();
}

bool HasLetter(std::string_view token) {
  // Tokenize keeps only word characters, and non-ASCII ones are letters of some script
  // (non-ASCII digits are rare enough in lyrics and stories to count as letters).
  return std::any_of(token.begin(), token.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b >= 0x80 || IsAsciiAlpha(b);
  });
}

}  // namespace

Status ValidateText(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t start = i;
    if (Decode(s, &i).malformed) {
      return Status::InvalidArgument("text is not valid UTF-8 (first bad byte at offset " +
                                     std::to_string(start) + ")");
    }
  }
  return Status::Ok();
}

std::vector<std::string> Tokenize(std::string_view s) {
  std::vector<std::string> tokens;
  std::string word;  // raw bytes of the word being read, folded when it ends
  char pending = 0;  // a joiner right after `word`, kept only if a word character follows
  auto finish = [&] {
    if (!word.empty()) tokens.push_back(FoldCase(word));
    word.clear();
    pending = 0;
  };
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t start = i;
    const Decoded d = Decode(s, &i);
    if (d.malformed) {  // never part of a word; ValidateText reports it
      finish();
      continue;
    }
    if (IsWordChar(d.cp)) {
      if (pending != 0) word.push_back(pending);
      pending = 0;
      word.append(s.substr(start, i - start));
      continue;
    }
    const char joiner = JoinerFor(d.cp);
    if (joiner != 0 && !word.empty() && pending == 0) {
      pending = joiner;
      continue;
    }
    finish();
  }
  finish();
  return tokens;
}

std::vector<std::string> SplitSentences(std::string_view s) {
  std::vector<std::string> sentences;
  std::size_t start = 0;  // where the current sentence begins
  auto emit = [&](std::size_t end) {
    const std::string_view t = Trim(s.substr(start, end - start));
    if (!t.empty()) sentences.emplace_back(t);
  };
  // Terminators, newlines and ASCII closers are ASCII bytes, which never occur inside a
  // multi-byte UTF-8 sequence, so the scan can go byte by byte.
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (IsTerminator(c)) {
      std::size_t run_end = i;
      while (run_end < s.size() && IsTerminator(s[run_end])) ++run_end;
      std::size_t end = run_end;
      while (end < s.size()) {
        std::size_t next = end;
        const Decoded d = Decode(s, &next);
        if (d.malformed || !IsCloser(d.cp)) break;
        end = next;
      }
      bool boundary = end == s.size();
      if (!boundary) {
        std::size_t next = end;
        const Decoded d = Decode(s, &next);
        boundary = !d.malformed && IsSpace(d.cp);
      }
      if (boundary && c == '.' && run_end == i + 1 && end == run_end) {
        std::size_t word_start = i;
        while (word_start > start && !IsAsciiSpace(s[word_start - 1])) {
          --word_start;
        }
        boundary = !IsAbbreviation(s.substr(word_start, i - word_start));
      }
      if (boundary) {
        emit(end);
        start = end;
      }
      i = end;
      continue;
    }
    if (c == '\n') {
      std::size_t j = i + 1;
      while (j < s.size() && s[j] != '\n' && IsAsciiSpace(s[j])) ++j;
      if (j < s.size() && s[j] == '\n') {  // a blank line
        emit(i);
        start = j + 1;
        i = j + 1;
        continue;
      }
    }
    ++i;
  }
  emit(s.size());
  return sentences;
}

bool IsStopWord(std::string_view folded_word) {
  return std::binary_search(kStopWords.begin(), kStopWords.end(), folded_word);
}

std::string Stem(std::string_view folded_word) {
  sb_stemmer* stemmer = ThreadStemmer();
  // The English stemmer is compiled into libstemmer, so a null stemmer means the
  // allocation failed; like malformed input, the word is then its own stem.
  if (stemmer == nullptr || folded_word.empty() || folded_word.size() > INT_MAX ||
      !IsValidUtf8(folded_word)) {
    return std::string(folded_word);
  }
  const sb_symbol* stem =
      sb_stemmer_stem(stemmer, reinterpret_cast<const sb_symbol*>(folded_word.data()),
                      static_cast<int>(folded_word.size()));
  if (stem == nullptr) return std::string(folded_word);  // out of memory
  return std::string(reinterpret_cast<const char*>(stem),
                     static_cast<std::size_t>(sb_stemmer_length(stemmer)));
}

std::vector<std::string> Terms(std::string_view s) {
  std::vector<std::string> terms;
  for (const std::string& token : Tokenize(s)) {
    if (IsStopWord(token) || !HasLetter(token)) continue;
    terms.push_back(Stem(token));
  }
  return terms;
}

}  // namespace sonance::text
