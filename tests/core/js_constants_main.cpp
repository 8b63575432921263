// SPDX-License-Identifier: MIT
// Prints wasm/src/core-constants.js: the constants the JavaScript facade
// shares with the core, taken from the C++ headers (and the device module's
// directory layout from wasm/layout.h), so that they have one source. The test js_constants_current fails when the committed file differs;
// regenerate it with
//   build/native/tests/localrank_js_constants > wasm/src/core-constants.js
#include <cstdio>
#include <string>

#include "localrank/config.h"
#include "localrank/profile.h"
#include "localrank/types.h"

#include "layout.h"

namespace {

using namespace localrank;

// Quoted names, `per_line` to a line, indented by 2.
template <typename Name>
void PrintNames(int count, int per_line, Name name) {
  for (int i = 0; i < count; ++i) {
    std::printf("%s'%s',", i % per_line == 0 ? "\n  " : " ", name(i));
  }
  std::printf("\n");
}

}  // namespace

int main() {
  std::printf(
      "// SPDX-License-Identifier: MIT\n"
      "// Generated from the core's headers by tests/core/js_constants_main.cpp: do not\n"
      "// edit. Regenerate with build/native/tests/localrank_js_constants > wasm/src/core-constants.js\n"
      "// (ctest's js_constants_current fails while this file differs from the headers).\n\n");
  std::printf("/** Name tables (NameKind in types.h). */\n");
  std::printf("export const KIND = Object.freeze({ TOPIC: %d, CREATOR: %d, CONTEXT: %d });\n\n",
              static_cast<int>(NameKind::kTopic), static_cast<int>(NameKind::kCreator),
              static_cast<int>(NameKind::kContext));
  std::printf("/** Event types in wire order (EventType in types.h). */\nexport const EVENT_TYPES = Object.freeze([");
  PrintNames(kEventTypeCount, 6, [](int i) { return EventTypeName(static_cast<EventType>(i)); });
  std::printf("]);\n\n");
  std::printf("/** Reason kinds in wire order (ReasonKind in types.h). */\nexport const REASON_KINDS = Object.freeze([");
  PrintNames(static_cast<int>(ReasonKind::kCount), 7, [](int i) { return ReasonKindName(static_cast<ReasonKind>(i)); });
  std::printf("]);\n\n");
  std::printf("/** What a reason's label id names (LabelKind in types.h). */\n");
  std::printf("export const LABEL_KIND = Object.freeze({ NONE: %d, TOPIC: %d, CREATOR: %d, CONTEXT: %d, PART: %d });\n\n",
              static_cast<int>(LabelKind::kNone), static_cast<int>(LabelKind::kTopic),
              static_cast<int>(LabelKind::kCreator), static_cast<int>(LabelKind::kContext),
              static_cast<int>(LabelKind::kPart));
  std::printf("/** Label ids of LABEL_KIND.PART: parts of the ranking (ReasonPart in types.h). */\n");
  std::printf(
      "export const REASON_PARTS = Object.freeze({ SIMILAR: %d, CREATOR_SHOWN: %d, CALIBRATION: %d, TOPIC_SHOWN: %d, "
      "OPENED: %d });\n\n",
      static_cast<int>(ReasonPart::kSimilar), static_cast<int>(ReasonPart::kCreatorShown),
      static_cast<int>(ReasonPart::kCalibration), static_cast<int>(ReasonPart::kTopicShown),
      static_cast<int>(ReasonPart::kOpened));
  std::printf("/** Preferences of adjust() in wire order (Preference in profile.h). */\nexport const PREFERENCES = Object.freeze([");
  PrintNames(4, 4, [](int i) { return PreferenceName(static_cast<Preference>(i)); });
  std::printf("]);\n\n");
  std::printf("/** Default `topK` rerank option: slots arranged greedily (types.h kDefaultTopK). */\n");
  std::printf("export const DEFAULT_TOP_K = %d;\n\n", kDefaultTopK);
  std::printf("/** Limits enforced on every input (config.h). */\nexport const LIMITS = Object.freeze({\n");
  std::printf("  maxItemsPerCall: %d,\n  maxEventsPerCall: %d,\n  maxTopicsPerItem: %d,\n", kMaxItemsPerCall,
              kMaxEventsPerCall, kMaxTopicsPerItem);
  std::printf("  maxIdLength: %d,\n  maxNameLength: %d,\n  maxEmbeddingDim: %d,\n", kMaxIdLength, kMaxNameLength,
              kMaxEmbeddingDim);
  std::printf("  /** importProfile() input, in UTF-8 bytes (kMaxProfileBytes). */\n  maxProfileBytes: %zu,\n});\n",
              kMaxProfileBytes);
  std::printf("\n/**\n * Entries of the directories layoutCandidates (C_), layoutEvents (E_) and rerankRaw (R_)\n"
              " * return (wasm/layout.h).\n */\nexport const LAYOUT = Object.freeze({");
  int column = 0;
  const auto entry = [&](const char* name, int index) {
    std::printf("%s%s: %d,", column++ % 6 == 0 ? "\n  " : " ", name, index);
  };
#define LOCALRANK_PRINT(name) entry(#name, localrank::wasm::k##name);
  LOCALRANK_CANDIDATE_ENTRIES(LOCALRANK_PRINT)
  column = 0;
  LOCALRANK_EVENT_ENTRIES(LOCALRANK_PRINT)
  column = 0;
  LOCALRANK_RESULT_ENTRIES(LOCALRANK_PRINT)
#undef LOCALRANK_PRINT
  std::printf("\n});\n");
  return 0;
}
