// UTF-8 helpers shared by the catalog, the importers and the server.
//
// All functions are pure and thread-safe. Malformed bytes are never dropped silently by the
// transforming functions: they are copied through unchanged (FoldCase) so that a caller that
// needs clean text checks IsValidUtf8() first.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sonance {

// True when `s` is well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool IsValidUtf8(std::string_view s);

// ISO-8859-1 bytes re-encoded as UTF-8 (every byte is one code point).
std::string Latin1ToUtf8(std::string_view s);

// Appends code point `cp` encoded as UTF-8.
void AppendUtf8(std::uint32_t cp, std::string* out);

// Decodes the code point starting at `s[*i]` and advances *i past it. A malformed byte
// decodes as itself (0x80..0xFF) and advances by one, so loops always terminate.
std::uint32_t NextCodePoint(std::string_view s, std::size_t* i);

// Lower-cases UTF-8 text code point by code point (Unicode simple case folding as glibc's
// C.UTF-8 knows it); malformed bytes are copied unchanged.
std::string FoldCase(std::string_view s);

}  // namespace sonance
