// SPDX-License-Identifier: MIT
#include "localrank/aggregator.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "localrank/hash.h"
#include "localrank/report.h"

namespace localrank {
namespace {

using nlohmann::json;

const char* kConfig = R"({"taxonomy":["cooking","fitness","travel","music"],
  "segments":[{"id":"home-cooks","topics":{"cooking":1}},{"id":"active","topics":{"fitness":1,"travel":0.5}}],
  "epsilonPerReport":1,"minReports":50})";

ReportConfig Config(const std::string& text = kConfig) {
  ReportConfig c;
  const Status s = ReportConfig::FromJson(text, &c);
  EXPECT_TRUE(s.ok()) << s.message();
  return c;
}

std::string Encode(const ReportConfig& c, const std::vector<double>& interest, Rng& rng,
                   const std::string& day = "2026-11-23") {
  std::vector<std::uint32_t> w(static_cast<std::size_t>(c.RandomWordsNeeded()));
  for (auto& x : w) x = rng.NextU32();
  std::string out;
  const Status s = EncodeReport(c, interest, day, w.data(), w.size(), &out);
  EXPECT_TRUE(s.ok()) << s.message();
  return out;
}

TEST(ReportConfig, RejectsBadTaxonomyAndSegmentsNamingTheField) {
  ReportConfig c;
  EXPECT_EQ(ReportConfig::FromJson(R"({"taxonomy":[]})", &c).field(), "taxonomy");
  EXPECT_EQ(ReportConfig::FromJson(R"({"taxonomy":["a","a"]})", &c).field(), "taxonomy[1]");
  EXPECT_EQ(ReportConfig::FromJson(R"({"taxonomy":["a",""]})", &c).index(), 1);
  EXPECT_EQ(ReportConfig::FromJson(R"({"taxonomy":["a"],"segments":[{"id":"s","topics":{"b":1}}]})", &c).field(),
            "segments[0].topics.b");
  EXPECT_EQ(ReportConfig::FromJson(R"({"taxonomy":["a"],"segments":[{"id":"s","topics":{"a":0}}]})", &c).field(),
            "segments[0].topics.a");
  EXPECT_EQ(ReportConfig::FromJson(R"({"taxonomy":["a"],"epsilonPerReport":0})", &c).field(), "epsilonPerReport");
  EXPECT_EQ(ReportConfig::FromJson(R"({"taxonomy":["a"],"mechanism":"rr"})", &c).field(), "mechanism");
  EXPECT_TRUE(c.taxonomy.empty());
}

// Taxonomy names and segment ids are counted as topic names are (UTF-16 code
// units, docs/profile.md), so any topic the profile can hold fits the taxonomy.
TEST(ReportConfig, NameLengthsAreCountedInCharactersLikeTopicNames) {
  ReportConfig c;
  std::string accents;
  for (int i = 0; i < 128; ++i) accents += "\xC3\xA9";  // 128 x U+00E9: 256 bytes, 128 characters
  const std::string ok = R"({"taxonomy":[")" + accents + R"("],"segments":[{"id":")" + accents + R"(","topics":{")" +
                         accents + R"(":1}}]})";
  EXPECT_TRUE(ReportConfig::FromJson(ok, &c).ok());
  const std::string long_ascii(129, 'a');
  EXPECT_EQ(ReportConfig::FromJson(R"({"taxonomy":[")" + long_ascii + R"("]})", &c).field(), "taxonomy[0]");
  EXPECT_EQ(ReportConfig::FromJson(R"({"taxonomy":["a"],"segments":[{"id":")" + long_ascii + R"(","topics":{"a":1}}]})", &c)
                .field(),
            "segments[0].id");
}

TEST(ReportConfig, FingerprintIdentifiesTheSharedConfiguration) {
  const ReportConfig a = Config();
  EXPECT_EQ(a.fingerprint.size(), 14u);
  EXPECT_EQ(Config().fingerprint, a.fingerprint);
  // Key order of the JSON does not matter; content does.
  EXPECT_EQ(Config(R"({"epsilonPerReport":1,"taxonomy":["cooking","fitness","travel","music"],
    "segments":[{"id":"home-cooks","topics":{"cooking":1}},{"topics":{"travel":0.5,"fitness":1},"id":"active"}]})")
                .fingerprint,
            a.fingerprint);
  EXPECT_NE(Config(R"({"taxonomy":["cooking","fitness","travel","music"]})").fingerprint, a.fingerprint);
  std::string other = kConfig;
  other.replace(other.find("\"epsilonPerReport\":1"), 20, "\"epsilonPerReport\":2");
  EXPECT_NE(Config(other).fingerprint, a.fingerprint);
}

TEST(ReportConfig, MechanismFollowsDomainSize) {
  EXPECT_EQ(Config().mechanism, LdpMechanism::kOue);
  json big{{"taxonomy", json::array()}};
  for (int i = 0; i < 100; ++i) big["taxonomy"].push_back("t" + std::to_string(i));
  const ReportConfig c = Config(big.dump());
  EXPECT_EQ(c.mechanism, LdpMechanism::kOlh);
  EXPECT_EQ(c.data_hex_chars, 16);
}

TEST(Segments, BestMatchByCosineAboveThreshold) {
  const ReportConfig c = Config();
  EXPECT_EQ(MatchSegment(c, {3, 0.2, 0, 0}), 0);
  EXPECT_EQ(MatchSegment(c, {0, 2, 1, 0}), 1);
  EXPECT_EQ(MatchSegment(c, {0, 0, 0, 5}), -1);  // music only: no segment is close
  EXPECT_EQ(MatchSegment(c, {0, 0, 0, 0}), -1);
  EXPECT_EQ(MatchSegment(c, {-4, 0, 0, 1}), -1);  // dislikes do not make a cook
}

TEST(Segments, TopTopicIsTheLargestPositiveInterest) {
  EXPECT_EQ(TopTopic({0.1, 0.5, 0.5, -1}), 1);
  EXPECT_EQ(TopTopic({-1, 0, -2}), -1);
  EXPECT_EQ(TopTopic({}), -1);
}

TEST(Report, HasConstantSizeAndOnlyTheSchemaFields) {
  const ReportConfig c = Config();
  Rng rng(1);
  std::size_t size = 0;
  for (const std::vector<double>& interest :
       {std::vector<double>{0, 0, 0, 0}, {5, 0, 0, 0}, {0, 1, 9, 0}, {0, 0, 0, 1}}) {
    for (int i = 0; i < 20; ++i) {
      const std::string r = Encode(c, interest, rng);
      if (size == 0) size = r.size();
      EXPECT_EQ(r.size(), size) << r;
      const json j = json::parse(r);
      EXPECT_EQ(j.size(), 8u);
      EXPECT_EQ(j["day"], "2026-11-23");
      EXPECT_EQ(j["config"], c.fingerprint);
      EXPECT_EQ(r.find("cooking"), std::string::npos);
    }
  }
}

TEST(Report, EncodeRejectsBadDayInterestAndRandomness) {
  const ReportConfig c = Config();
  std::vector<std::uint32_t> w(static_cast<std::size_t>(c.RandomWordsNeeded()), 7u);
  std::string out;
  EXPECT_EQ(EncodeReport(c, {0, 0, 0, 0}, "2026-02-30", w.data(), w.size(), &out).field(), "day");
  EXPECT_EQ(EncodeReport(c, {0, 0, 0}, "2026-02-03", w.data(), w.size(), &out).field(), "interest");
  EXPECT_EQ(EncodeReport(c, {0, 0, 0, 0}, "2026-02-03", w.data(), w.size() - 1, &out).field(), "random");
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(IsIsoDay("2024-02-29"));
  EXPECT_FALSE(IsIsoDay("2023-02-29"));
  EXPECT_FALSE(IsIsoDay("2023-1-01"));
}

class AggregatorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(agg.Configure(kConfig).ok()); }
  Aggregator agg;
};

TEST_F(AggregatorTest, RejectsMalformedReportsAndKeepsSums) {
  Rng rng(3);
  const json good = json::parse(Encode(agg.config(), {1, 0, 0, 0}, rng));
  ASSERT_TRUE(agg.Ingest(good.dump()).ok());
  const std::string state = agg.StateJson();
  auto with = [&](const char* key, json value) {
    json j = good;
    j[key] = std::move(value);
    return j.dump();
  };
  json extra = good;
  extra["userId"] = "u1";
  json missing = good;
  missing.erase("day");
  const std::pair<std::string, std::string> cases[] = {
      {"not json", "report."},
      {"[1]", "report."},
      {extra.dump(), "report.userId"},
      {missing.dump(), "report.day"},
      {with("schema", "x"), "report.schema"},
      {with("version", 2), "report.version"},
      {with("config", "00000000000000"), "report.config"},
      {with("day", "2026-11-23T10:00"), "report.day"},
      {with("epsilon", 2), "report.epsilon"},
      {with("mechanism", "olh"), "report.mechanism"},
      {with("kind", 2), "report.kind"},
      {with("data", "zz"), "report.data"},
      {with("data", std::string(good["data"].get<std::string>().size(), 'g')), "report.data"},
      // Bit 7 of the first byte is outside a 5-value domain... padding bits must be zero.
      {with("data", "ff"), "report.data"},
  };
  for (const auto& [text, field] : cases) {
    const Status s = agg.Ingest(text);
    EXPECT_EQ(s.code(), Code::kInvalidReport) << text;
    EXPECT_EQ(s.field(), field) << text;
  }
  EXPECT_EQ(agg.StateJson(), state);
}

TEST_F(AggregatorTest, SuppressesEstimatesFromFewerThanMinReports) {
  Rng rng(5);
  // All topic reports: segments stay suppressed.
  ReportConfig topics_only = Config(R"({"taxonomy":["cooking","fitness","travel","music"]})");
  Aggregator a;
  ASSERT_TRUE(a.Configure(R"({"taxonomy":["cooking","fitness","travel","music"],"minReports":50})").ok());
  for (int i = 0; i < 49; ++i) ASSERT_TRUE(a.Ingest(Encode(topics_only, {1, 0, 0, 0}, rng)).ok());
  json e = json::parse(a.EstimateJson());
  EXPECT_EQ(e["reports"], 49);
  EXPECT_TRUE(e["suppressed"]["topics"].get<bool>());
  EXPECT_TRUE(e["topics"].empty());
  EXPECT_TRUE(e["noTopic"].is_null());
  ASSERT_TRUE(a.Ingest(Encode(topics_only, {1, 0, 0, 0}, rng)).ok());
  e = json::parse(a.EstimateJson());
  EXPECT_FALSE(e["suppressed"]["topics"].get<bool>());
  ASSERT_EQ(e["topics"].size(), 4u);
  EXPECT_EQ(e["topics"][0]["topic"], "cooking");
  EXPECT_EQ(e["topics"][0]["ci95"].size(), 2u);
}

TEST_F(AggregatorTest, StateRoundTripGivesTheSameEstimates) {
  Rng rng(9);
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(agg.Ingest(Encode(agg.config(), {double(i % 3), 1, 0, 0}, rng)).ok());
  Aggregator b;
  ASSERT_TRUE(b.Configure(kConfig).ok());
  ASSERT_TRUE(b.RestoreJson(agg.StateJson()).ok());
  EXPECT_EQ(b.EstimateJson(), agg.EstimateJson());
  Aggregator other;
  ASSERT_TRUE(other.Configure(R"({"taxonomy":["cooking"]})").ok());
  EXPECT_EQ(other.RestoreJson(agg.StateJson()).field(), "state.config");
}

TEST_F(AggregatorTest, DecodeThenAddEqualsIngest) {
  Rng rng(11);
  const std::string r = Encode(agg.config(), {0, 0, 1, 0}, rng);
  Contribution c;
  ASSERT_TRUE(agg.Decode(r, &c).ok());
  EXPECT_EQ(agg.reports(), 0u);
  ASSERT_TRUE(agg.Add(c).ok());
  Aggregator b;
  ASSERT_TRUE(b.Configure(kConfig).ok());
  ASSERT_TRUE(b.Ingest(r).ok());
  EXPECT_EQ(b.StateJson(), agg.StateJson());
  c.supported = {3, 1};
  EXPECT_EQ(agg.Add(c).code(), Code::kInvalidReport);
}

// 12 x 10,000 simulated devices, each with a known top topic and segment, send one
// report through the full codec; the topic and segment estimates must cover the
// truth as their standard errors say.
TEST_F(AggregatorTest, EstimatesTopicsAndSegmentsWithinTheirStandardErrors) {
  Rng rng(2024);
  // Interest profiles and how common they are.
  const std::vector<std::pair<double, std::vector<double>>> people = {
      {0.35, {3, 0.2, 0, 0}},  // cook      -> cooking, home-cooks
      {0.25, {0, 2, 1, 0}},    // active    -> fitness, active
      {0.15, {0, 0.5, 2, 0}},  // traveller -> travel, active
      {0.15, {0, 0, 0, 1}},    // music     -> music, none
      {0.10, {0, 0, 0, 0}},    // nothing   -> none, none
  };
  double within = 0, total = 0, z2 = 0;
  constexpr int kDevices = 10000;
  for (int run = 0; run < 12; ++run) {
    Aggregator a;
    ASSERT_TRUE(a.Configure(kConfig).ok());
    std::vector<double> topic_truth(5, 0), segment_truth(3, 0);
    for (int i = 0; i < kDevices; ++i) {
      double u = rng.NextDouble();
      std::size_t k = 0;
      while (k + 1 < people.size() && u >= people[k].first) u -= people[k++].first;
      const std::vector<double>& interest = people[k].second;
      const int t = TopTopic(interest), s = MatchSegment(a.config(), interest);
      topic_truth[t < 0 ? 4 : static_cast<std::size_t>(t)] += 1;
      segment_truth[s < 0 ? 2 : static_cast<std::size_t>(s)] += 1;
      ASSERT_TRUE(a.Ingest(Encode(a.config(), interest, rng)).ok());
    }
    const json e = json::parse(a.EstimateJson());
    ASSERT_EQ(e["reports"], kDevices);
    auto check = [&](const json& entry, double truth) {
      const double err = entry["count"].get<double>() - truth;
      within += std::abs(err) <= 2 * entry["stdError"].get<double>();
      z2 += err * err / std::pow(entry["stdError"].get<double>(), 2);
      total += 1;
      EXPECT_LE(entry["ci95"][0].get<double>(), entry["count"].get<double>() + 1e-9);
    };
    for (std::size_t t = 0; t < 4; ++t) check(e["topics"][t], topic_truth[t]);
    check(e["noTopic"], topic_truth[4]);
    for (std::size_t s = 0; s < 2; ++s) check(e["segments"][s], segment_truth[s]);
    check(e["noSegment"], segment_truth[2]);
    const double n_t = e["reportsByKind"]["topic"].get<double>();
    EXPECT_NEAR(n_t / kDevices, 0.5, 0.03) << "a fair coin picks the attribute";
  }
  std::printf("  topics+segments, 12 x %d devices: %.1f%% of %g estimates within 2 SE, mean z^2 %.3f\n", kDevices,
              100 * within / total, total, z2 / total);
  EXPECT_GE(within / total, 0.90);
  EXPECT_NEAR(z2 / total, 1.0, 0.4) << "standard errors match the spread of the errors";
}

}  // namespace
}  // namespace localrank
