// SPDX-License-Identifier: MIT
#include "localrank/aggregator.h"

#include <cmath>
#include <cstdio>
#include <set>
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
  "segments":[{"id":"home-cooks","topics":{"cooking":1,"music":0.5,"travel":0.5}},
               {"id":"active","topics":{"fitness":1,"travel":0.5,"music":0.5}}],
  "epsilonPerReport":1,"minReports":50})";

ReportConfig Config(const std::string& text = kConfig) {
  ReportConfig c;
  const Status s = ReportConfig::FromJson(text, &c);
  EXPECT_TRUE(s.ok()) << s.message();
  return c;
}

std::string Encode(const ReportConfig& c, const std::vector<double>& interest, Rng& rng,
                   const std::string& day = "2026-11-23") {
  // A simulated population: every device an independent draw.
  std::vector<std::uint32_t> w(static_cast<std::size_t>(FreshWordsNeeded(c)));
  for (auto& x : w) x = rng.NextU32();
  std::string out;
  const Status s = EncodeFreshReport(c, interest, day, w.data(), w.size(), &out);
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
  const std::string ok = R"({"taxonomy":[")" + accents + R"(","b","c"],"segments":[{"id":")" + accents +
                         R"(","topics":{")" + accents + R"(":1,"b":1,"c":1}}]})";
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
    "segments":[{"id":"home-cooks","topics":{"travel":0.5,"cooking":1,"music":0.5}},
                 {"topics":{"travel":0.5,"fitness":1,"music":0.5},"id":"active"}]})")
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
  std::vector<std::uint32_t> w(static_cast<std::size_t>(FreshWordsNeeded(c)), 7u);
  std::string out;
  EXPECT_EQ(EncodeFreshReport(c, {0, 0, 0, 0}, "2026-02-30", w.data(), w.size(), &out).field(), "day");
  EXPECT_EQ(EncodeFreshReport(c, {0, 0, 0}, "2026-02-03", w.data(), w.size(), &out).field(), "interest");
  EXPECT_EQ(EncodeFreshReport(c, {0, 0, 0, 0}, "2026-02-03", w.data(), w.size() - 1, &out).field(), "random");
  ReportMemo memo;
  EXPECT_EQ(EncodeReport(c, memo, {0, 0, 0, 0}, "2026-02-03", w.data(), w.size(), &out).field(), "memo");
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

// Issue 22: bounds no configuration lifts, named by field.
TEST(ReportConfig, HardBoundsOnEpsilonAndSegments) {
  ReportConfig c;
  const std::string tax = R"("taxonomy":["a","b","c","d","e"])";
  EXPECT_TRUE(ReportConfig::FromJson("{" + tax + R"(,"epsilonPerReport":2})", &c).ok());
  EXPECT_EQ(ReportConfig::FromJson("{" + tax + R"(,"epsilonPerReport":2.01})", &c).field(), "epsilonPerReport");
  EXPECT_EQ(ReportConfig::FromJson("{" + tax + R"(,"epsilonPerReport":4})", &c).field(), "epsilonPerReport");
  // Fewer than 3 topics, or one topic holding more than half the weight.
  EXPECT_EQ(ReportConfig::FromJson("{" + tax + R"(,"segments":[{"id":"s","topics":{"a":1,"b":1}}]})", &c).field(),
            "segments[0].topics");
  EXPECT_EQ(ReportConfig::FromJson("{" + tax + R"(,"segments":[{"id":"s","topics":{"a":1.01,"b":0.5,"c":0.5}}]})", &c)
                .field(),
            "segments[0].topics");
  EXPECT_TRUE(ReportConfig::FromJson("{" + tax + R"(,"segments":[{"id":"s","topics":{"a":1,"b":0.5,"c":0.5}}]})", &c).ok());
  json many = json::parse("{" + tax + "}");
  for (int i = 0; i < kMaxSegments + 1; ++i) {
    many["segments"].push_back({{"id", "s" + std::to_string(i)}, {"topics", {{"a", 1}, {"b", 1}, {"c", 1}}}});
  }
  EXPECT_EQ(ReportConfig::FromJson(many.dump(), &c).field(), "segments");
  many["segments"].erase(many["segments"].size() - 1);
  EXPECT_TRUE(ReportConfig::FromJson(many.dump(), &c).ok());
  // Sensitive topics: named in the taxonomy, never in a segment.
  EXPECT_EQ(ReportConfig::FromJson("{" + tax + R"(,"sensitiveTopics":["health"]})", &c).field(), "sensitiveTopics[0]");
  EXPECT_EQ(ReportConfig::FromJson("{" + tax + R"(,"sensitiveTopics":["c"],"segments":[{"id":"s","topics":{"a":1,"b":1,"c":1}}]})", &c)
                .field(),
            "segments[0].topics.c");
  EXPECT_EQ(ReportConfig::FromJson("{" + tax + R"(,"instantEpsilon":-1})", &c).field(), "instantEpsilon");
}

TEST(ReportConfig, SensitiveTopicsNeverEnterAReportOrASegmentMatch) {
  const ReportConfig c = Config(R"({"taxonomy":["cooking","fitness","travel","music","health"],"sensitiveTopics":["health"],
    "segments":[{"id":"active","topics":{"fitness":1,"travel":0.5,"music":0.5}}]})");
  EXPECT_NE(c.fingerprint, Config(R"({"taxonomy":["cooking","fitness","travel","music","health"],
    "segments":[{"id":"active","topics":{"fitness":1,"travel":0.5,"music":0.5}}]})").fingerprint);
  // Health first, cooking second: the report's topic is cooking.
  EXPECT_EQ(ReportedTopTopic(c, {2, 0, 0, 0, 9}), 0);
  EXPECT_EQ(ReportedTopTopic(c, {0, 0, 0, 0, 9}), -1);
  // A large health weight does not dilute (or reveal itself through) the segment match.
  EXPECT_EQ(MatchSegment(c, {0, 2, 1, 0, 50}), 0);
  // Every report of a health-only device says "no top topic", and no estimate is published for health.
  Aggregator a;
  ASSERT_TRUE(a.Configure(R"({"taxonomy":["cooking","fitness","travel","music","health"],"sensitiveTopics":["health"],"minReports":1})").ok());
  Rng rng(17);
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(a.Ingest(Encode(a.config(), {0, 0, 0, 0, 5}, rng)).ok());
  const json e = json::parse(a.EstimateJson());
  ASSERT_EQ(e["topics"].size(), 4u);
  for (const json& t : e["topics"]) EXPECT_NE(t["topic"], "health");
  EXPECT_GT(e["noTopic"]["count"].get<double>(), 150.0);
}

// RAPPOR's permanent randomized response: an unchanged value always gets the same answer.
TEST(ReportMemo, AnUnchangedValueIsAnsweredFromTheMemo) {
  const ReportConfig c = Config();
  Rng rng(23);
  std::vector<std::uint32_t> mw(static_cast<std::size_t>(c.MemoWordsNeeded()));
  for (auto& x : mw) x = rng.NextU32();
  ReportMemo memo;
  ASSERT_TRUE(DrawReportMemo(c, mw.data(), mw.size(), &memo).ok());
  ASSERT_EQ(memo.topic.size(), 5u);
  ASSERT_EQ(memo.segment.size(), 3u);
  std::set<std::string> topic_answers;
  for (int i = 0; i < 100; ++i) {
    std::vector<std::uint32_t> w(static_cast<std::size_t>(c.RandomWordsNeeded()));
    for (auto& x : w) x = rng.NextU32();
    std::string out;
    ASSERT_TRUE(EncodeReport(c, memo, {3, 0.2, 0, 0}, "2026-11-23", w.data(), w.size(), &out).ok());
    const json j = json::parse(out);
    if (j["kind"] == 0) topic_answers.insert(j["data"].get<std::string>());
  }
  EXPECT_EQ(topic_answers.size(), 1u) << "linked reports of one value average no noise away";
  // The same words give the same memo (a device stores the words and redraws it).
  ReportMemo again;
  ASSERT_TRUE(DrawReportMemo(c, mw.data(), mw.size(), &again).ok());
  for (std::size_t v = 0; v < memo.topic.size(); ++v) EXPECT_EQ(again.topic[v].bits, memo.topic[v].bits);
  EXPECT_EQ(DrawReportMemo(c, mw.data(), mw.size() - 1, &again).field(), "random");
}

// With instantaneous noise, every report differs, and the aggregator's p and
// q (memo then noise) keep the estimates unbiased with honest error bars.
TEST(ReportMemo, InstantNoiseKeepsEstimatesUnbiased) {
  for (const char* mechanism : {"oue", "olh"}) {
    std::string text = kConfig;
    text.replace(text.find("\"epsilonPerReport\":1"), 20,
                 std::string("\"epsilonPerReport\":1,\"instantEpsilon\":2,\"mechanism\":\"") + mechanism + "\"");
    Aggregator a;
    ASSERT_TRUE(a.Configure(text).ok());
    const ReportConfig& c = a.config();
    EXPECT_LT(std::log(c.OneReportRatio()), c.epsilon);
    EXPECT_GT(std::log(c.OneReportRatio()), 0.0);
    Rng rng(29);
    std::set<std::string> answers;
    double z2 = 0, n = 0;
    constexpr int kDevices = 20000;
    std::vector<double> truth(5, 0);
    for (int i = 0; i < kDevices; ++i) {
      const std::vector<double> interest = i % 4 == 0 ? std::vector<double>{3, 0.2, 0, 0}
                                           : i % 4 == 1 ? std::vector<double>{0, 2, 1, 0}
                                                        : std::vector<double>{0, 0, 0, double(i % 4 == 2)};
      const int t = TopTopic(interest);
      truth[t < 0 ? 4 : static_cast<std::size_t>(t)] += 1;
      std::vector<std::uint32_t> mw(static_cast<std::size_t>(c.MemoWordsNeeded()));
      for (auto& x : mw) x = rng.NextU32();
      ReportMemo memo;
      ASSERT_TRUE(DrawReportMemo(c, mw.data(), mw.size(), &memo).ok());
      std::vector<std::uint32_t> w(static_cast<std::size_t>(c.RandomWordsNeeded()));
      for (auto& x : w) x = rng.NextU32();
      std::string out;
      ASSERT_TRUE(EncodeReport(c, memo, interest, "2026-11-23", w.data(), w.size(), &out).ok());
      if (i < 50) answers.insert(json::parse(out)["data"].get<std::string>());
      ASSERT_TRUE(a.Ingest(out).ok());
    }
    EXPECT_GT(answers.size(), 10u);
    const json e = json::parse(a.EstimateJson());
    for (std::size_t t = 0; t < 4; ++t) {
      const double err = e["topics"][t]["count"].get<double>() - truth[t];
      z2 += err * err / std::pow(e["topics"][t]["stdError"].get<double>(), 2);
      n += 1;
    }
    EXPECT_LT(z2 / n, 4.0) << mechanism << ": estimates stay within their standard errors";
  }
}

TEST(Aggregator, SuppressesASegmentEstimatedBelowK) {
  Aggregator a;
  ASSERT_TRUE(a.Configure(kConfig).ok());
  const ReportConfig& c = a.config();
  // 2,000 segment reports: support at the rate q (nobody) for home-cooks, at p (everybody) for active.
  const int n = 2000;
  const auto q = static_cast<std::uint64_t>(c.segment.q * n), p = static_cast<std::uint64_t>(c.segment.p * n);
  json state = json::parse(a.StateJson());
  state["topic"] = {{"reports", n}, {"support", {q, q, q, q, p}}};
  state["segment"] = {{"reports", n}, {"support", {q, p, q}}};
  ASSERT_TRUE(a.RestoreJson(state.dump()).ok());
  const json e = json::parse(a.EstimateJson());
  ASSERT_EQ(e["segments"].size(), 2u);
  EXPECT_EQ(e["segments"][0]["segment"], "home-cooks");
  EXPECT_TRUE(e["segments"][0]["suppressed"].get<bool>());
  EXPECT_TRUE(e["segments"][0]["count"].is_null());
  EXPECT_FALSE(e["segments"][1].contains("suppressed"));
  EXPECT_GT(e["segments"][1]["count"].get<double>(), 1000.0);
}

}  // namespace
}  // namespace localrank
