// CsvReader: records of comma-separated text (RFC 4180) with the line each one starts on.
//
// Fields are separated by the delimiter; a field in double quotes may hold the delimiter,
// line breaks and doubled quotes (""). Records end at LF, CRLF or a lone CR; blank lines are
// skipped. The reader is lenient where real exports are sloppy: a quote inside an unquoted
// field is kept as a character, and text right after a closing quote is appended to the
// field. The one thing it cannot recover from is a quote that never closes: that record
// swallows the rest of the text and comes back with an error, and reading stops.
// Line breaks inside quoted fields come back as "\n". Text is taken as it is (decode it
// first: text_decoding.h).
//
// Not thread-safe (it is a cursor); it borrows the text, which must outlive it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sonance {

struct CsvRecord {
  std::int64_t line = 0;  // 1-based line of the text where the record starts
  std::vector<std::string> fields;
  std::string error;  // non-empty when the record is malformed
};

class CsvReader {
 public:
  explicit CsvReader(std::string_view text, char delimiter = ',');

  // Reads the next record; false at the end of the text.
  bool Next(CsvRecord* record);

 private:
  std::string_view text_;
  char delimiter_;
  std::size_t pos_ = 0;
  std::int64_t line_ = 1;
};

// The delimiter of a table from its first line: the most frequent of ',', ';' and tab
// outside quotes (',' when none occurs).
char GuessCsvDelimiter(std::string_view text);

}  // namespace sonance
