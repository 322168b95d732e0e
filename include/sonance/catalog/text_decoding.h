// Reading text files whose encoding nobody wrote down: tables of tracks, lyrics, exports.
//
// DecodeText() turns bytes into UTF-8: a UTF-8 byte-order mark is dropped; UTF-16 with a
// byte-order mark is converted; otherwise the text is taken as UTF-8, and every line that is
// not valid UTF-8 is re-decoded as Windows-1252 (latin-1 with the printable characters
// Windows puts in 0x80-0x9F: curly quotes, dashes, the euro sign), which is what spreadsheet
// exports that are not UTF-8 nearly always are. Deciding line by line keeps a mostly-UTF-8
// file with a few latin-1 lines intact. The sequence "ï¿½" (U+FFFD's UTF-8 bytes once
// mis-read as latin-1, a common scar in published datasets) becomes U+FFFD again: the
// character it stood for is lost either way, but the text no longer pretends to hold three.
//
// Pure functions, thread-safe; results belong to the caller.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "sonance/common/status.h"

namespace sonance {

struct DecodedText {
  std::string text;  // UTF-8, without a byte-order mark
  // "UTF-8", "UTF-8 with BOM", "UTF-16LE with BOM" or "UTF-16BE with BOM".
  std::string encoding;
  std::int64_t latin1_lines = 0;       // lines re-decoded as Windows-1252
  std::int64_t replacement_fixes = 0;  // "ï¿½" sequences turned back into U+FFFD
};

DecodedText DecodeText(std::string_view bytes);

// Windows-1252 bytes as UTF-8 (the five undefined bytes become their latin-1 code points).
std::string Windows1252ToUtf8(std::string_view bytes);

// Reads and decodes a whole file: NotFound when it does not exist, IOError when it cannot be
// read (a folder, no permission).
Result<DecodedText> ReadTextFile(const std::filesystem::path& path);

// "UTF-8", "latin-1 (Windows-1252), 953 lines", ...: one phrase for reports.
std::string DescribeEncoding(const DecodedText& decoded);

}  // namespace sonance
