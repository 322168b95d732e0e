#include "sonance/catalog/text_decoding.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <system_error>

#include "sonance/common/utf8.h"

namespace sonance {
namespace {

// Windows-1252's 0x80-0x9F; 0 marks the five bytes it leaves undefined.
constexpr std::uint16_t kCp1252High[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

// U+FFFD's UTF-8 bytes (EF BF BD) read as latin-1 and written back as UTF-8: "ï¿½".
constexpr std::string_view kMojibakeReplacement = "\xC3\xAF\xC2\xBF\xC2\xBD";
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

std::string Utf16ToUtf8(std::string_view bytes, bool little_endian) {
  std::string out;
  out.reserve(bytes.size());
  auto unit = [&](std::size_t i) -> std::uint32_t {
    const auto a = static_cast<unsigned char>(bytes[i]);
    const auto b = static_cast<unsigned char>(bytes[i + 1]);
    return little_endian ? (a | (b << 8)) : ((a << 8) | b);
  };
  for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) {
    std::uint32_t cp = unit(i);
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 3 < bytes.size()) {
      const std::uint32_t low = unit(i + 2);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        i += 2;
      } else {
        cp = 0xFFFD;
      }
    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
      cp = 0xFFFD;  // a lone surrogate
    }
    AppendUtf8(cp, &out);
  }
  if (bytes.size() % 2 != 0) AppendUtf8(0xFFFD, &out);  // a dangling byte
  return out;
}

std::int64_t FixReplacementMojibake(std::string* text) {
  std::int64_t fixes = 0;
  std::size_t pos = 0;
  while ((pos = text->find(kMojibakeReplacement, pos)) != std::string::npos) {
    text->replace(pos, kMojibakeReplacement.size(), kReplacement);
    pos += kReplacement.size();
    ++fixes;
  }
  return fixes;
}

}  // namespace

std::string Windows1252ToUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (char ch : bytes) {
    const auto b = static_cast<unsigned char>(ch);
    if (b < 0x80) {
      out.push_back(ch);
    } else if (b < 0xA0 && kCp1252High[b - 0x80] != 0) {
      AppendUtf8(kCp1252High[b - 0x80], &out);
    } else {
      AppendUtf8(b, &out);
    }
  }
  return out;
}

DecodedText DecodeText(std::string_view bytes) {
  DecodedText d;
  if (bytes.starts_with("\xEF\xBB\xBF")) {
    bytes.remove_prefix(3);
    d.encoding = "UTF-8 with BOM";
  } else if (bytes.starts_with("\xFF\xFE")) {
    d.text = Utf16ToUtf8(bytes.substr(2), /*little_endian=*/true);
    d.encoding = "UTF-16LE with BOM";
  } else if (bytes.starts_with("\xFE\xFF")) {
    d.text = Utf16ToUtf8(bytes.substr(2), /*little_endian=*/false);
    d.encoding = "UTF-16BE with BOM";
  } else {
    d.encoding = "UTF-8";
  }
  if (d.encoding.starts_with("UTF-8")) {
    if (IsValidUtf8(bytes)) {
      d.text.assign(bytes);
    } else {
      d.text.reserve(bytes.size() + bytes.size() / 16);
      std::size_t start = 0;
      while (start < bytes.size()) {
        std::size_t end = bytes.find('\n', start);
        end = end == std::string_view::npos ? bytes.size() : end + 1;
        const std::string_view line = bytes.substr(start, end - start);
        if (IsValidUtf8(line)) {
          d.text.append(line);
        } else {
          d.text += Windows1252ToUtf8(line);
          ++d.latin1_lines;
        }
        start = end;
      }
    }
  }
  d.replacement_fixes = FixReplacementMojibake(&d.text);
  return d;
}

Result<DecodedText> ReadTextFile(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::NotFound("no such file: " + path.string());
  if (std::filesystem::is_directory(path, ec)) {
    return Status::IOError(path.string() + " is a folder, not a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::IOError("cannot open " + path.string() + ": " + std::strerror(errno));
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::IOError("cannot read " + path.string());
  return DecodeText(bytes);
}

std::string DescribeEncoding(const DecodedText& decoded) {
  std::string s = decoded.encoding;
  if (decoded.latin1_lines > 0) {
    s += ", " + std::to_string(decoded.latin1_lines) + " line" +
         (decoded.latin1_lines == 1 ? "" : "s") + " in latin-1 (Windows-1252)";
  }
  if (decoded.replacement_fixes > 0) {
    s += ", " + std::to_string(decoded.replacement_fixes) +
         " \"\xC3\xAF\xC2\xBF\xC2\xBD\" read as U+FFFD";
  }
  return s;
}

}  // namespace sonance
