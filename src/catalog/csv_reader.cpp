#include "sonance/catalog/csv_reader.h"

namespace sonance {

CsvReader::CsvReader(std::string_view text, char delimiter) : text_(text), delimiter_(delimiter) {}

bool CsvReader::Next(CsvRecord* record) {
  record->fields.clear();
  record->error.clear();
  // Skip blank lines (and the end of the text).
  while (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
    if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
  }
  if (pos_ >= text_.size()) return false;
  record->line = line_;

  std::string field;
  bool quoted = false;  // inside a quoted part of the field
  bool field_started = false;
  std::int64_t quote_line = line_;
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (quoted) {
      if (c == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          field.push_back('"');
          pos_ += 2;
        } else {
          quoted = false;
          ++pos_;
        }
      } else if (c == '\r' || c == '\n') {
        if (c == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
        field.push_back('\n');
        ++pos_;
        ++line_;
      } else {
        field.push_back(c);
        ++pos_;
      }
      continue;
    }
    if (c == delimiter_) {
      record->fields.push_back(std::move(field));
      field.clear();
      field_started = false;
      ++pos_;
      continue;
    }
    if (c == '\r' || c == '\n') {
      if (c == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
      ++pos_;
      ++line_;
      break;
    }
    if (c == '"' && !field_started) {
      quoted = true;
      field_started = true;
      quote_line = line_;
      ++pos_;
      continue;
    }
    field.push_back(c);
    field_started = true;
    ++pos_;
  }
  record->fields.push_back(std::move(field));
  if (quoted) {
    record->error = "a quoted field opened on line " + std::to_string(quote_line) +
                    " never closes (the rest of the file is inside it)";
  }
  return true;
}

char GuessCsvDelimiter(std::string_view text) {
  std::size_t counts[3] = {0, 0, 0};
  constexpr char kCandidates[3] = {',', ';', '\t'};
  bool quoted = false;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '\n' || c == '\r') break;
    for (int i = 0; i < 3; ++i) counts[i] += c == kCandidates[i];
  }
  int best = 0;
  for (int i = 1; i < 3; ++i) {
    if (counts[i] > counts[best]) best = i;
  }
  return kCandidates[best];
}

}  // namespace sonance
