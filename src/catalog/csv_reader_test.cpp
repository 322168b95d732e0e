// CsvReader and DecodeText: the byte-level half of importing tables.
#include "sonance/catalog/csv_reader.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "sonance/catalog/text_decoding.h"
#include "support/fixtures.h"

namespace sonance {
namespace {

using Fields = std::vector<std::string>;

std::vector<CsvRecord> ReadAll(std::string_view text, char delimiter = ',') {
  CsvReader reader(text, delimiter);
  std::vector<CsvRecord> out;
  CsvRecord r;
  while (reader.Next(&r)) out.push_back(r);
  return out;
}

TEST(CsvReaderTest, SplitsPlainRecordsAndNumbersTheirLines) {
  const auto recs = ReadAll("a,b,c\n1,2,3\n4,,6\n");
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].fields, (Fields{"a", "b", "c"}));
  EXPECT_EQ(recs[1].fields, (Fields{"1", "2", "3"}));
  EXPECT_EQ(recs[2].fields, (Fields{"4", "", "6"}));
  EXPECT_EQ(recs[0].line, 1);
  EXPECT_EQ(recs[2].line, 3);
  for (const auto& r : recs) EXPECT_TRUE(r.error.empty());
}

TEST(CsvReaderTest, QuotedFieldsHoldDelimitersQuotesAndLineBreaks) {
  const std::string text =
      "title,artist\n"
      "\"Hey, Soul Sister\",Train\n"
      "\"She said \"\"hi\"\"\",\"A\"\n"
      "\"two\r\nlines\",B\n"
      "last,C\n";
  const auto recs = ReadAll(text);
  ASSERT_EQ(recs.size(), 5u);
  EXPECT_EQ(recs[1].fields, (Fields{"Hey, Soul Sister", "Train"}));
  EXPECT_EQ(recs[2].fields, (Fields{"She said \"hi\"", "A"}));
  EXPECT_EQ(recs[3].fields, (Fields{"two\nlines", "B"}));
  EXPECT_EQ(recs[3].line, 4);
  EXPECT_EQ(recs[4].line, 6);  // the embedded line break counts
  EXPECT_EQ(recs[4].fields, (Fields{"last", "C"}));
}

TEST(CsvReaderTest, CrlfLoneCrBlankLinesAndAMissingFinalNewline) {
  const auto recs = ReadAll("a,b\r\n\r\n1,2\r3,4\n\n\n5,6");
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[1].fields, (Fields{"1", "2"}));
  EXPECT_EQ(recs[1].line, 3);
  EXPECT_EQ(recs[2].fields, (Fields{"3", "4"}));
  EXPECT_EQ(recs[2].line, 4);
  EXPECT_EQ(recs[3].fields, (Fields{"5", "6"}));
  EXPECT_EQ(recs[3].line, 7);
}

TEST(CsvReaderTest, TrailingDelimiterGivesAnEmptyLastField) {
  const auto recs = ReadAll("a,b,\n");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].fields, (Fields{"a", "b", ""}));
}

TEST(CsvReaderTest, StrayQuotesAreKeptAndAnUnclosedQuoteIsAnError) {
  auto recs = ReadAll("5'10\" tall,x\n\"ab\"c,y\n");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].fields, (Fields{"5'10\" tall", "x"}));
  EXPECT_EQ(recs[1].fields, (Fields{"abc", "y"}));
  recs = ReadAll("a,b\n1,\"never closed\n2,3\n");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_TRUE(recs[0].error.empty());
  EXPECT_NE(recs[1].error.find("line 2"), std::string::npos) << recs[1].error;
}

TEST(CsvReaderTest, EmptyTextHasNoRecords) {
  EXPECT_TRUE(ReadAll("").empty());
  EXPECT_TRUE(ReadAll("\n\r\n").empty());
}

TEST(CsvReaderTest, GuessesCommaSemicolonOrTab) {
  EXPECT_EQ(GuessCsvDelimiter("a,b,c\n1;2"), ',');
  EXPECT_EQ(GuessCsvDelimiter("a;b;\"c,d,e\"\n"), ';');
  EXPECT_EQ(GuessCsvDelimiter("a\tb\tc"), '\t');
  EXPECT_EQ(GuessCsvDelimiter("title"), ',');
  const auto recs = ReadAll("a;b\n1;\"x;y\"\n", ';');
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].fields, (Fields{"1", "x;y"}));
}

// ---- decoding --------------------------------------------------------------------------------

TEST(DecodeTextTest, Utf8PassesThroughAndItsByteOrderMarkIsDropped) {
  DecodedText d = DecodeText("Beyonc\xC3\xA9,x\n");
  EXPECT_EQ(d.text, "Beyonc\xC3\xA9,x\n");
  EXPECT_EQ(d.encoding, "UTF-8");
  d = DecodeText("\xEF\xBB\xBFtrack_name,artist\n");
  EXPECT_EQ(d.text, "track_name,artist\n");
  EXPECT_EQ(d.encoding, "UTF-8 with BOM");
  EXPECT_EQ(d.latin1_lines, 0);
}

TEST(DecodeTextTest, LinesThatAreNotUtf8AreReadAsWindows1252) {
  // Line 2 is latin-1 (0xE9 = é, 0xF6 = ö); 0x92 is Windows-1252's right single quote.
  const DecodedText d = DecodeText("title\nBeyonc\xE9 Mot\xF6rhead\nDon\x92t\nS\xC3\xA9\n");
  EXPECT_EQ(d.text, "title\nBeyonc\xC3\xA9 Mot\xC3\xB6rhead\nDon\xE2\x80\x99t\nS\xC3\xA9\n");
  EXPECT_EQ(d.latin1_lines, 2);
  EXPECT_EQ(Windows1252ToUtf8("\x80\x81\xFF"), "\xE2\x82\xAC\xC2\x81\xC3\xBF");
}

TEST(DecodeTextTest, Utf16WithAByteOrderMarkIsConverted) {
  // "Aé😀" in UTF-16LE and UTF-16BE (U+1F600 is the surrogate pair D83D DE00).
  const std::string le(
      "\xFF\xFE"
      "A\0\xE9\0\x3D\xD8\x00\xDE",
      10);
  const std::string be(
      "\xFE\xFF"
      "\0A\0\xE9\xD8\x3D\xDE\x00",
      10);
  EXPECT_EQ(DecodeText(le).text, "A\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(DecodeText(le).encoding, "UTF-16LE with BOM");
  EXPECT_EQ(DecodeText(be).text, "A\xC3\xA9\xF0\x9F\x98\x80");
}

TEST(DecodeTextTest, MisreadReplacementCharactersBecomeOneEach) {
  // "Taylorï¿½ï¿½s": two U+FFFD once mis-read as latin-1.
  const DecodedText d = DecodeText("Taylor\xC3\xAF\xC2\xBF\xC2\xBD\xC3\xAF\xC2\xBF\xC2\xBDs");
  EXPECT_EQ(d.text, "Taylor\xEF\xBF\xBD\xEF\xBF\xBDs");
  EXPECT_EQ(d.replacement_fixes, 2);
}

TEST(DecodeTextTest, ReadTextFileNamesMissingFilesAndFolders) {
  test::TempDir dir;
  auto missing = ReadTextFile(dir / "nope.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("nope.csv"), std::string::npos);
  EXPECT_EQ(ReadTextFile(dir.path()).status().code(), StatusCode::kIOError);
  std::ofstream(dir / "a.csv", std::ios::binary) << "x\xE9\n";
  auto read = ReadTextFile(dir / "a.csv");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->text, "x\xC3\xA9\n");
}

}  // namespace
}  // namespace sonance
