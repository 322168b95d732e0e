#include "sonance/common/utf8.h"

#include <locale.h>
#include <wctype.h>

namespace sonance {

namespace {

locale_t FoldLocale() {
  // C.UTF-8 is built into glibc >= 2.35; without it, folding degrades to ASCII.
  static const locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  return loc;
}

// Length of the well-formed sequence at s[i], or 0 when it is malformed.
std::size_t SequenceLength(std::string_view s, std::size_t i, std::uint32_t* cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  std::size_t len;
  std::uint32_t v;
  std::uint32_t min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, v = b0 & 0x1Fu, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, v = b0 & 0x0Fu, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, v = b0 & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b & 0x3Fu);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return len;
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  std::size_t i = 0;
  std::uint32_t cp;
  while (i < s.size()) {
    const std::size_t n = SequenceLength(s, i, &cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void AppendUtf8(std::uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string Latin1ToUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char c : s) AppendUtf8(static_cast<unsigned char>(c), &out);
  return out;
}

std::uint32_t NextCodePoint(std::string_view s, std::size_t* i) {
  std::uint32_t cp = 0;
  const std::size_t n = SequenceLength(s, *i, &cp);
  if (n == 0) {
    cp = static_cast<unsigned char>(s[*i]);
    *i += 1;
  } else {
    *i += n;
  }
  return cp;
}

std::string FoldCase(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const locale_t loc = FoldLocale();
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      out.push_back(b0 >= 'A' && b0 <= 'Z' ? static_cast<char>(b0 + ('a' - 'A'))
                                           : static_cast<char>(b0));
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    const std::size_t n = SequenceLength(s, i, &cp);
    if (n == 0) {
      out.push_back(static_cast<char>(b0));
      ++i;
      continue;
    }
    const std::uint32_t lower =
        loc != static_cast<locale_t>(0)
            ? static_cast<std::uint32_t>(towlower_l(static_cast<wint_t>(cp), loc))
            : cp;
    AppendUtf8(lower, &out);
    i += n;
  }
  return out;
}

}  // namespace sonance
