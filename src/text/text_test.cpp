#include "sonance/text/text.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace sonance::text {
namespace {

using Words = std::vector<std::string>;

// Confusable or invisible characters are written as \u escapes; letters are written as is.

TEST(ValidateTextTest, AcceptsWellFormedText) {
  EXPECT_TRUE(ValidateText("").ok());
  EXPECT_TRUE(ValidateText("plain ASCII").ok());
  EXPECT_TRUE(ValidateText("Café \u2014 музыка 音楽 \U0001F3B5").ok());
}

TEST(ValidateTextTest, RejectsMalformedBytesNamingTheFirstOffset) {
  const Status latin1 = ValidateText("caf\xE9 ok");  // Latin-1 e-acute
  EXPECT_EQ(latin1.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(latin1.message(), "text is not valid UTF-8 (first bad byte at offset 3)");
  // "ok " is 3 bytes, "é" 2 and the space 1: the truncated dash starts at byte 6.
  EXPECT_EQ(ValidateText("ok \xC3\xA9 \xE2\x80").message(),
            "text is not valid UTF-8 (first bad byte at offset 6)");
  EXPECT_EQ(ValidateText("\xC0\xAF").message(),  // overlong '/'
            "text is not valid UTF-8 (first bad byte at offset 0)");
  EXPECT_EQ(ValidateText("ab\xED\xA0\x80").message(),  // surrogate U+D800
            "text is not valid UTF-8 (first bad byte at offset 2)");
  // Only the first bad byte is named.
  EXPECT_EQ(ValidateText("\xC3\xA9\xFF\xFF").message(),
            "text is not valid UTF-8 (first bad byte at offset 2)");
}

TEST(TokenizeTest, EmptyAndPunctuationOnlyTextHasNoWords) {
  EXPECT_EQ(Tokenize(""), Words{});
  EXPECT_EQ(Tokenize("   \n\t "), Words{});
  EXPECT_EQ(Tokenize(" ... -- '' \u2014 !? ()"), Words{});
  EXPECT_EQ(Tokenize("\U0001F3B5\U0001F3B6 \u2764\uFE0F"), Words{});
}

TEST(TokenizeTest, KeepsUnicodeLettersAndJoinsApostrophesAndHyphens) {
  EXPECT_EQ(Tokenize("Café naïve don't well-known 3.14 \u2014 x\u2019s"),
            (Words{"café", "naïve", "don't", "well-known", "3", "14", "x's"}));
}

TEST(TokenizeTest, FoldsCaseInEveryScript) {
  EXPECT_EQ(Tokenize("HELLO World ÉTÉ МУЗЫКА"), (Words{"hello", "world", "été", "музыка"}));
  EXPECT_EQ(Tokenize("Привет, мир! 音楽。Ok"), (Words{"привет", "мир", "音楽", "ok"}));
}

TEST(TokenizeTest, JoinersOnlyJoinBetweenTwoWordCharacters) {
  EXPECT_EQ(Tokenize("'quoted' -dash- rock--roll o'-clock end'"),
            (Words{"quoted", "dash", "rock", "roll", "o", "clock", "end"}));
  EXPECT_EQ(Tokenize("rock'n'roll e-mail co\u2010op don\u2019t"),
            (Words{"rock'n'roll", "e-mail", "co-op", "don't"}));
  // A dash is not a hyphen.
  EXPECT_EQ(Tokenize("1990\u20131995 yes\u2014no"), (Words{"1990", "1995", "yes", "no"}));
}

TEST(TokenizeTest, SymbolsSpacesAndEmojiSeparateWords) {
  EXPECT_EQ(Tokenize("rock\u2192roll a\u00D7b\u00F7c price\u20AC5"),
            (Words{"rock", "roll", "a", "b", "c", "price", "5"}));
  EXPECT_EQ(Tokenize("\u00ABBonjour\u00BB \u00BFQué? hello\u00A0world full\u3000width A\uFF1AB"),
            (Words{"bonjour", "qué", "hello", "world", "full", "width", "a", "b"}));
  // Heart + variation selector, thumbs up + skin tone, a keycap, a ZWJ family.
  EXPECT_EQ(Tokenize("love\u2764\uFE0Fmusic \U0001F44D\U0001F3FDgreat 1\uFE0F\u20E3x "
                     "\U0001F468\u200D\U0001F469\u200D\U0001F467kids"),
            (Words{"love", "music", "great", "1", "x", "kids"}));
}

TEST(TokenizeTest, OrdinalIndicatorsMicroSignAndCombiningAccentsStayInWords) {
  EXPECT_EQ(Tokenize("1\u00AA 5\u00B5s 2\u00BA"), (Words{"1\u00AA", "5\u00B5s", "2\u00BA"}));
  EXPECT_EQ(Tokenize("Beyonce\u0301 rocks"), (Words{"beyonce\u0301", "rocks"}));
}

TEST(TokenizeTest, MalformedBytesSeparateWords) {
  EXPECT_EQ(Tokenize("ab\xFF"
                     "cd caf\xE9 ok"),
            (Words{"ab", "cd", "caf", "ok"}));
}

TEST(SplitSentencesTest, EmptyAndBlankTextHasNoSentences) {
  EXPECT_EQ(SplitSentences(""), Words{});
  EXPECT_EQ(SplitSentences("  \n\n \t\n  "), Words{});
}

TEST(SplitSentencesTest, SplitsAfterTerminatorsFollowedBySpaceAndTrims) {
  EXPECT_EQ(SplitSentences("  Hello world.  How are you?\tI'm fine!  "),
            (Words{"Hello world.", "How are you?", "I'm fine!"}));
  EXPECT_EQ(SplitSentences("Really?! Yes... Fine.\nNext"),
            (Words{"Really?!", "Yes...", "Fine.", "Next"}));
}

TEST(SplitSentencesTest, NoSplitWithoutFollowingSpace) {
  EXPECT_EQ(SplitSentences("Pi is 3.14 today.Tomorrow too"),
            (Words{"Pi is 3.14 today.Tomorrow too"}));
}

TEST(SplitSentencesTest, AbbreviationsAndInitialsDoNotEndASentence) {
  EXPECT_EQ(SplitSentences("Mr. Smith met Dr. Jones on Baker St. at noon. They talked."),
            (Words{"Mr. Smith met Dr. Jones on Baker St. at noon.", "They talked."}));
  EXPECT_EQ(SplitSentences("J. R. R. Tolkien wrote it. He was English."),
            (Words{"J. R. R. Tolkien wrote it.", "He was English."}));
  EXPECT_EQ(
      SplitSentences("Food, e.g. bread, i.e. staples. Then vs. now, etc. are compared. "
                     "E.g. this."),
      (Words{"Food, e.g. bread, i.e. staples.", "Then vs. now, etc. are compared.", "E.g. this."}));
  // "Rd" is not in the list; lower-case "no" is a word, not "No." (number).
  EXPECT_EQ(SplitSentences("No. 5 is on Mt. Everest Rd. Next. I said no. (Prof. X agreed.)"),
            (Words{"No. 5 is on Mt. Everest Rd.", "Next.", "I said no.", "(Prof. X agreed.)"}));
}

TEST(SplitSentencesTest, ClosingQuotesAndBracketsStayWithTheirSentence) {
  EXPECT_EQ(
      SplitSentences("\"Stop!\" she said. (It was late.) Then \u201CGo.\u201D He went."),
      (Words{"\"Stop!\"", "she said.", "(It was late.)", "Then \u201CGo.\u201D", "He went."}));
  // A closing quote after an abbreviation-like word still ends the sentence.
  EXPECT_EQ(SplitSentences("He said \"Dr.\" Then left."), (Words{"He said \"Dr.\"", "Then left."}));
}

TEST(SplitSentencesTest, BlankLinesEndASentenceButSingleNewlinesDoNot) {
  EXPECT_EQ(SplitSentences("First line\nstill first\n\nSecond paragraph\n  \t\nThird"),
            (Words{"First line\nstill first", "Second paragraph", "Third"}));
  EXPECT_EQ(SplitSentences("Verse one\r\n\r\nChorus\r\n"), (Words{"Verse one", "Chorus"}));
}

TEST(IsStopWordTest, KnowsTheSnowballEnglishList) {
  for (const char* w : {"a", "the", "i", "me", "yourselves", "very", "don't", "he'd", "he'll",
                        "he's", "her", "here's", "cannot", "would", "ought", "let's"}) {
    EXPECT_TRUE(IsStopWord(w)) << w;
  }
  // "us", "will", "can", "may" and "must" are left out of the Snowball list on purpose.
  for (const char* w : {"", "music", "us", "will", "can", "may", "must", "mine", "dont"}) {
    EXPECT_FALSE(IsStopWord(w)) << w;
  }
  EXPECT_FALSE(IsStopWord("The"));  // the input must already be case-folded
}

TEST(StemTest, MatchesPublishedSnowballEnglishExamples) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"caresses", "caress"},
      {"ponies", "poni"},
      {"ties", "tie"},
      {"cats", "cat"},
      {"running", "run"},
      {"hopping", "hop"},
      {"generously", "generous"},
      {"consign", "consign"},
      {"consigned", "consign"},
      {"consigning", "consign"},
      {"consignment", "consign"},
      {"knightly", "knight"},
      {"knights", "knight"},
      {"skies", "sky"},
      {"dying", "die"},
      {"news", "news"},
      {"dog's", "dog"},
      {"x's", "x"},
  };
  for (const auto& [word, stem] : cases) EXPECT_EQ(Stem(word), stem) << word;
}

TEST(StemTest, EmptyAndUnstemmableWordsAreTheirOwnStem) {
  EXPECT_EQ(Stem(""), "");
  EXPECT_EQ(Stem("3"), "3");
  EXPECT_EQ(Stem("café"), "café");
  EXPECT_EQ(Stem("well-known"), "well-known");
  EXPECT_EQ(Stem("caf\xE9"), "caf\xE9");  // malformed input is passed through
}

TEST(StemTest, EachThreadHasItsOwnStemmer) {
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (std::size_t t = 0; t < mismatches.size(); ++t) {
    threads.emplace_back([t, &mismatches] {
      for (int i = 0; i < 2000; ++i) {
        if (Stem(t % 2 == 0 ? "consignment" : "generously") !=
            (t % 2 == 0 ? "consign" : "generous")) {
          ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(mismatches, (std::vector<int>{0, 0, 0, 0}));
}

TEST(TermsTest, DropsStopWordsAndNumbersThenStems) {
  EXPECT_EQ(Terms(""), Words{});
  EXPECT_EQ(Terms("1999 2000 3.14 the of"), Words{});
  // "naïve": 'ï' is not an English vowel, so R1 is "ve" and the final e goes.
  EXPECT_EQ(Terms("Café naïve don't well-known 3.14 \u2014 x\u2019s"),
            (Words{"café", "naïv", "well-known", "x"}));
  EXPECT_EQ(Terms("The ponies were running GENEROUSLY in 1999!"),
            (Words{"poni", "run", "generous"}));
  EXPECT_EQ(Terms("Don\u2019t stop the 2nd track"), (Words{"stop", "2nd", "track"}));
}

}  // namespace
}  // namespace sonance::text
