#include "sonance/common/name_match.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sonance/common/utf8.h"

namespace sonance {
namespace {

TEST(Utf8Test, ValidatesWellFormedTextAndRejectsMalformedBytes) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("Beyonc\xC3\xA9 \xE2\x80\x94 \xF0\x9F\x8E\xB5"));
  EXPECT_FALSE(IsValidUtf8("caf\xE9"));           // latin-1 e-acute
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE2\x80"));          // truncated
}

TEST(Utf8Test, Latin1BytesBecomeTheirCodePoints) {
  EXPECT_EQ(Latin1ToUtf8("caf\xE9 \xFF"), "caf\xC3\xA9 \xC3\xBF");
  EXPECT_TRUE(IsValidUtf8(Latin1ToUtf8("\x80\x81\xFE")));
}

TEST(Utf8Test, FoldCaseLowersAcrossScriptsAndKeepsMalformedBytes) {
  EXPECT_EQ(FoldCase("ABC \xC3\x89T\xC3\x89"), "abc \xC3\xA9t\xC3\xA9");  // ÉTÉ -> été
  EXPECT_EQ(FoldCase("\xD0\x9C\xD0\xA3"), "\xD0\xBC\xD1\x83");            // МУ -> му
  EXPECT_EQ(FoldCase("A\xFF"), "a\xFF");
}

TEST(NormalizeNameTest, FoldsCaseAccentsAndPunctuation) {
  EXPECT_EQ(NormalizeName("Beyonc\xC3\xA9"), "beyonce");
  EXPECT_EQ(NormalizeName("MOT\xC3\x96RHEAD"), "motorhead");
  EXPECT_EQ(NormalizeName("Stra\xC3\x9F"
                          "e"),
            "strasse");
  EXPECT_EQ(NormalizeName("Sigur R\xC3\xB3s"), "sigur ros");
  EXPECT_EQ(NormalizeName("  Don't   Stop Me Now!! "), "dont stop me now");
  EXPECT_EQ(NormalizeName("Don\xE2\x80\x99t Stop"), "dont stop");
  EXPECT_EQ(NormalizeName("AC/DC"), "ac dc");
  EXPECT_EQ(NormalizeName("Simon & Garfunkel"), "simon and garfunkel");
  // A decomposed accent (e + combining acute) reads like the precomposed one.
  EXPECT_EQ(NormalizeName("Beyonce\xCC\x81"), "beyonce");
}

TEST(NormalizeNameTest, DropsFeaturedArtistCredits) {
  EXPECT_EQ(NormalizeName("Old Town Road (feat. Billy Ray Cyrus)"), "old town road");
  EXPECT_EQ(NormalizeName("Old Town Road [Ft. Billy Ray Cyrus] - Remix"), "old town road remix");
  EXPECT_EQ(NormalizeName("Stay featuring Mikky Ekko"), "stay");
  EXPECT_EQ(NormalizeName("Empire State of Mind feat Alicia Keys"), "empire state of mind");
  // "Feat" as the first word is a title, not a credit.
  EXPECT_EQ(NormalizeName("Feat of Strength"), "feat of strength");
}

TEST(NormalizeNameTest, IgnoresALeadingTheButNotAnInnerOne) {
  EXPECT_EQ(NormalizeName("The Beatles"), "beatles");
  EXPECT_EQ(NormalizeName("the beatles"), NormalizeName("Beatles"));
  EXPECT_EQ(NormalizeName("Rage Against the Machine"), "rage against the machine");
  EXPECT_EQ(NormalizeName("The"), "the");
}

TEST(NormalizeNameTest, KeepsOtherScriptsAndEmptyInput) {
  EXPECT_EQ(NormalizeName(""), "");
  EXPECT_EQ(NormalizeName("?!"), "");
  EXPECT_EQ(NormalizeName("\xD0\x9A\xD0\x98\xD0\x9D\xD0\x9E"), "\xD0\xBA\xD0\xB8\xD0\xBD\xD0\xBE");
  EXPECT_EQ(NormalizeName("\xE5\xA4\x9C\xE3\x80\x81\xE6\x98\x9F"), "\xE5\xA4\x9C \xE6\x98\x9F");
}

TEST(NameSimilarityTest, EqualIsOneDisjointIsLowAndTyposRankAboveStrangers) {
  EXPECT_DOUBLE_EQ(NameSimilarity("abc", "abc"), 1.0);
  EXPECT_DOUBLE_EQ(NameSimilarity("", "abc"), 0.0);
  // Levenshtein "kitten" -> "sitting" is 3 edits over 7 characters.
  EXPECT_NEAR(NameSimilarity("kitten", "sitting"), std::max(1.0 - 3.0 / 7.0, 0.0), 0.2);
  EXPECT_GE(NameSimilarity("kitten", "sitting"), 1.0 - 3.0 / 7.0 - 1e-12);
  const double typo = NameSimilarity("bohemian rapsody", "bohemian rhapsody");
  const double stranger = NameSimilarity("bohemian rapsody", "stairway to heaven");
  EXPECT_GT(typo, 0.85);
  EXPECT_LT(stranger, 0.3);
  EXPECT_DOUBLE_EQ(NameSimilarity("ab", "cd"), NameSimilarity("cd", "ab"));
}

TEST(SplitArtistCreditTest, SplitsCreditsButKeepsBandNamesWhole) {
  EXPECT_EQ(SplitArtistCredit("Lil Nas X feat. Billy Ray Cyrus"),
            (std::vector<std::string>{"Lil Nas X", "Billy Ray Cyrus"}));
  EXPECT_EQ(SplitArtistCredit("Jay-Z (Ft. Alicia Keys)"),
            (std::vector<std::string>{"Jay-Z", "Alicia Keys"}));
  EXPECT_EQ(SplitArtistCredit("Ariana Grande;Justin Bieber"),
            (std::vector<std::string>{"Ariana Grande", "Justin Bieber"}));
  EXPECT_EQ(SplitArtistCredit("Simon & Garfunkel"),
            (std::vector<std::string>{"Simon & Garfunkel"}));
  EXPECT_EQ(SplitArtistCredit("Crosby, Stills, Nash & Young"),
            (std::vector<std::string>{"Crosby, Stills, Nash & Young"}));
  EXPECT_TRUE(SplitArtistCredit("  ").empty());
}

}  // namespace
}  // namespace sonance
