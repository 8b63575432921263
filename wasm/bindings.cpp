// SPDX-License-Identifier: MIT
// The engine's side of the device module (localrank_core, with
// bindings_accountant.cpp and abi.cpp). Everything here is internal: the
// JavaScript facade (src/) is the public API, and no heap address or view
// ever reaches a user. Every call is a plain export (Module._localrank_*,
// abi.h) taking the EngineCore's address; inputs and results cross as heap
// addresses, text through abi.h's buffers.
#include <emscripten/emscripten.h>
#include <malloc.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "localrank/engine.h"

#include "abi.h"
#include "layout.h"

namespace localrank::wasm {

std::size_t Size(int n) { return n > 0 ? static_cast<std::size_t>(n) : 0; }

class EngineCore {
 public:
  Status configure(std::string_view json) { return engine_.Configure(json); }

  // Interns names separated by '\0'; returns the table size afterwards. Ids
  // are assigned in order, so the facade predicts them without a round trip.
  int internMany(int kind, std::string_view joined) {
    Interner& in = engine_.names(static_cast<NameKind>(kind));
    std::size_t start = 0;
    while (start <= joined.size()) {
      std::size_t end = joined.find('\0', start);
      if (end == std::string::npos) end = joined.size();
      in.Intern(joined.substr(start, end - start));
      start = end + 1;
    }
    return static_cast<int>(in.size());
  }

  std::string names(int kind) const {
    const auto& v = engine_.names(static_cast<NameKind>(kind)).names();
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i) out.push_back('\0');
      out += v[i];
    }
    return out;
  }

  // Fast path (src/personalizer.js), called through the plain wasm exports
  // below rather than Embind (an Embind call costs microseconds under
  // DYNAMIC_EXECUTION=0). One call sizes every input buffer and returns the
  // address of a directory of their byte addresses; the facade then writes
  // the heap directly. Entries (layout.h; src/core-constants.js LAYOUT is generated from it):
  // key, server, published, creator, flags, topic offsets, topic ids, topic
  // weights, embeddings, context ids. Valid until the next call.
  std::uint32_t layoutCandidates(int n, int topics, int embedding_floats, int contexts) {
    CandidateBatch& c = engine_.candidates();
    c.Resize(Size(n));
    c.topic_ids.resize(Size(topics));
    c.topic_weights.resize(Size(topics));
    c.embeddings.resize(Size(embedding_floats));
    std::vector<std::int32_t>& ctx = engine_.options().context_ids;
    ctx.resize(Size(contexts));
    directory_ = {};
    directory_[kC_KEY] = Address(c.key);
    directory_[kC_SERVER] = Address(c.server_score);
    directory_[kC_PUBLISHED] = Address(c.published_at);
    directory_[kC_CREATOR] = Address(c.creator);
    directory_[kC_FLAGS] = Address(c.flags);
    directory_[kC_TOPIC_OFFSETS] = Address(c.topic_offsets);
    directory_[kC_TOPIC_IDS] = Address(c.topic_ids);
    directory_[kC_TOPIC_WEIGHTS] = Address(c.topic_weights);
    directory_[kC_EMBEDDINGS] = Address(c.embeddings);
    directory_[kC_CONTEXT] = Address(ctx);
    return DirectoryAddress();
  }

  // Same for events: type, at, key, creator, dwell, expected, topic offsets,
  // topic ids, topic weights, context offsets, context ids, embeddings.
  std::uint32_t layoutEvents(int n, int topics, int contexts, int embedding_floats) {
    EventBatch& e = engine_.events();
    e.Resize(Size(n));
    e.topic_ids.resize(Size(topics));
    e.topic_weights.resize(Size(topics));
    e.context_ids.resize(Size(contexts));
    e.embeddings.resize(Size(embedding_floats));
    directory_ = {};
    directory_[kE_TYPE] = Address(e.type);
    directory_[kE_AT] = Address(e.at);
    directory_[kE_KEY] = Address(e.key);
    directory_[kE_CREATOR] = Address(e.creator);
    directory_[kE_DWELL] = Address(e.dwell_ms);
    directory_[kE_EXPECTED] = Address(e.expected_ms);
    directory_[kE_TOPIC_OFFSETS] = Address(e.topic_offsets);
    directory_[kE_TOPIC_IDS] = Address(e.topic_ids);
    directory_[kE_TOPIC_WEIGHTS] = Address(e.topic_weights);
    directory_[kE_CONTEXT_OFFSETS] = Address(e.context_offsets);
    directory_[kE_CONTEXT_IDS] = Address(e.context_ids);
    directory_[kE_EMBEDDINGS] = Address(e.embeddings);
    return DirectoryAddress();
  }

  // Ranks what layoutCandidates described. Returns the result directory:
  // [ok, n, reason count, order, score, propensity, reason offsets, kinds,
  // labels (label kind, id: two int32 each), values] (addresses); when ok is 0, lastStatus() says why. The
  // arrays stay valid, unchanged, through the next successful rerank (see
  // Rank): the facade may read them until it has the next result.
  std::uint32_t rerankRaw(double now, double strength, double diversity, double exploration, bool calibration,
                          int top_k) {
    SetOptions(strength, diversity, exploration, calibration, top_k);
    last_ = Rank(now, false);
    return ResultDirectory();
  }

  // rerankRaw for the facade's packed API, whose batches must also name no
  // topic twice in an item and have pinned flags 0 or 1 (the object API
  // guarantees both by construction). The engine checks these rules in the
  // same pass as everything else (Engine::RerankPacked): a batch breaking
  // them is refused before anything is ranked, and the facade then names
  // the bad entry itself.
  std::uint32_t rerankPackedRaw(double now, double strength, double diversity, double exploration, bool calibration,
                                int top_k) {
    SetOptions(strength, diversity, exploration, calibration, top_k);
    last_ = Rank(now, true);
    return ResultDirectory();
  }

  // Index of the first non-finite float written into the candidate
  // embeddings, or -1: the facade's check of packed embeddings, before it
  // interns anything.
  int firstNonFiniteEmbedding() {
    const auto& e = engine_.candidates().embeddings;
    return static_cast<int>(FirstNonFinite(e.data(), e.size()));
  }

  // Records what layoutEvents described; false when lastStatus() has an error.
  bool recordRaw(double now) {
    last_ = engine_.Record(now);
    return last_.ok();
  }

  // The binary snapshot (the storage format) crosses as bytes, copied once:
  // exportSnapshot returns a directory [address, size] of snapshot_; for an
  // import the facade sizes snapshot_ with snapshotBuffer, writes the bytes,
  // then calls importSnapshot (false: lastStatus() says why).
  std::uint32_t exportSnapshot() {
    engine_.ExportSnapshot(&snapshot_);
    directory_[0] = Address(snapshot_);
    directory_[1] = static_cast<std::uint32_t>(snapshot_.size());
    return DirectoryAddress();
  }
  std::uint32_t snapshotBuffer(int size) {
    snapshot_.resize(Size(size));
    return Address(snapshot_);
  }
  bool importSnapshot() {
    last_ = engine_.ImportSnapshot(snapshot_.data(), snapshot_.size());
    // Loads are rare (creation, another tab's save): give the bytes back.
    std::vector<std::uint8_t>().swap(snapshot_);
    return last_.ok();
  }

  const Status& lastStatus() const { return last_; }
  Status adjust(int kind, int id, int preference) {
    return engine_.Adjust(static_cast<NameKind>(kind), id, static_cast<Preference>(preference));
  }
  std::string exportProfile(double now) const { return engine_.ExportJson(now); }
  Status importProfile(std::string_view json) { return engine_.ImportJson(json); }
  std::string summary(double now, int top) const { return engine_.SummaryJson(now, top); }
  void resetProfile() { engine_.ResetProfile(); }
  int nameCount() const { return static_cast<int>(engine_.NameCount()); }
  bool compactNames() { return engine_.CompactNames(); }

  // Diagnostics for the memory tests: the wasm memory size, and the bytes the
  // allocator has handed out (memory never shrinks; this does).
  static double memoryBytes() { return static_cast<double>(__builtin_wasm_memory_size(0)) * 65536.0; }
  static double heapUsedBytes() { return static_cast<double>(mallinfo().uordblks); }

 private:
  // The engine ranks into a spare buffer; a successful result is kept in
  // held_[shown_] and the buffer held before it goes back to the engine, so
  // a result stays readable, unchanged, until the next successful rerank has
  // replaced it (failed ones touch neither). Swaps exchange buffers: nothing
  // is copied or allocated.
  Status Rank(double now, bool packed) {
    Status s = packed ? engine_.RerankPacked(now) : engine_.Rerank(now);
    ranked_ = s.ok();
    if (ranked_) {
      shown_ ^= 1;
      engine_.SwapResult(&held_[shown_]);
    }
    return s;
  }
  // The directory of the last rerank (see rerankRaw).
  std::uint32_t ResultDirectory() {
    const RankResult& r = Shown();
    directory_ = {};
    directory_[kR_OK] = last_.ok() ? 1u : 0u;
    directory_[kR_COUNT] = static_cast<std::uint32_t>(r.order.size());
    directory_[kR_ITEM_REASON_COUNT] = static_cast<std::uint32_t>(r.by_item.Count());
    directory_[kR_RANK_REASON_COUNT] = static_cast<std::uint32_t>(r.by_rank.Count());
    directory_[kR_ORDER] = Address(r.order);
    directory_[kR_SCORE] = Address(r.score);
    directory_[kR_PROPENSITY] = Address(r.propensity);
    directory_[kR_ITEM_REASON_OFFSETS] = Address(r.by_item.offsets);
    directory_[kR_ITEM_REASONS] = Address(r.by_item.reasons);
    directory_[kR_RANK_REASON_OFFSETS] = Address(r.by_rank.offsets);
    directory_[kR_RANK_REASONS] = Address(r.by_rank.reasons);
    return DirectoryAddress();
  }

  // The last rerank's result; empty when it failed.
  const RankResult& Shown() const { return ranked_ ? held_[shown_] : empty_; }

  void SetOptions(double strength, double diversity, double exploration, bool calibration, int top_k) {
    RerankOptions& o = engine_.options();
    o.strength = strength;
    o.diversity = diversity;
    o.exploration = exploration;
    o.calibration = calibration;
    o.top_k = top_k;
  }

  std::uint32_t DirectoryAddress() const {
    return static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(directory_.data()));
  }

  Engine engine_;
  RankResult held_[2];
  RankResult empty_;  // stays empty
  int shown_ = 0;
  bool ranked_ = false;
  Status last_;
  std::vector<std::uint8_t> snapshot_;
  // Fixed size: filling it never allocates, so the addresses stay valid.
  static_assert(kCandidateEntries <= 12 && kEventEntries <= 12 && kResultEntries <= 12, "directory_ holds every entry");
  std::array<std::uint32_t, 12> directory_{};
};

}  // namespace localrank::wasm

// The plain exports (Module._localrank_*): each takes the EngineCore that
// localrank_engine_new returned. A call answering "ok?" returns 1 or 0, and
// after a 0 localrank_status (abi.h) says why.
extern "C" {
using localrank::wasm::EngineCore;
using localrank::wasm::InText;
using localrank::wasm::Keep;
using localrank::wasm::SetOutText;
EMSCRIPTEN_KEEPALIVE EngineCore* localrank_engine_new() { return new EngineCore(); }
EMSCRIPTEN_KEEPALIVE void localrank_engine_delete(EngineCore* core) { delete core; }
// Text argument: what the facade wrote through localrank_text_in.
EMSCRIPTEN_KEEPALIVE int localrank_configure(EngineCore* core) { return Keep(core->configure(InText())); }
EMSCRIPTEN_KEEPALIVE int localrank_intern_many(EngineCore* core, int kind) { return core->internMany(kind, InText()); }
// Text results go to localrank_text_out.
EMSCRIPTEN_KEEPALIVE void localrank_names(EngineCore* core, int kind) { SetOutText(core->names(kind)); }
EMSCRIPTEN_KEEPALIVE int localrank_adjust(EngineCore* core, int kind, int id, int preference) {
  return Keep(core->adjust(kind, id, preference));
}
EMSCRIPTEN_KEEPALIVE void localrank_export_profile(EngineCore* core, double now) { SetOutText(core->exportProfile(now)); }
EMSCRIPTEN_KEEPALIVE int localrank_import_profile(EngineCore* core) { return Keep(core->importProfile(InText())); }
EMSCRIPTEN_KEEPALIVE void localrank_summary(EngineCore* core, double now, int top) { SetOutText(core->summary(now, top)); }
EMSCRIPTEN_KEEPALIVE void localrank_reset_profile(EngineCore* core) { core->resetProfile(); }
EMSCRIPTEN_KEEPALIVE int localrank_name_count(EngineCore* core) { return core->nameCount(); }
EMSCRIPTEN_KEEPALIVE int localrank_compact_names(EngineCore* core) { return core->compactNames() ? 1 : 0; }
// localrank_status for the last rerank, record or snapshot import.
EMSCRIPTEN_KEEPALIVE std::uint32_t localrank_last_status(EngineCore* core) {
  Keep(core->lastStatus());
  return localrank_status();
}
EMSCRIPTEN_KEEPALIVE double localrank_memory_bytes() { return EngineCore::memoryBytes(); }
EMSCRIPTEN_KEEPALIVE double localrank_heap_used_bytes() { return EngineCore::heapUsedBytes(); }
EMSCRIPTEN_KEEPALIVE std::uint32_t localrank_layout_candidates(EngineCore* core, int n, int topics, int floats, int contexts) {
  return core->layoutCandidates(n, topics, floats, contexts);
}
EMSCRIPTEN_KEEPALIVE std::uint32_t localrank_layout_events(EngineCore* core, int n, int topics, int contexts, int floats) {
  return core->layoutEvents(n, topics, contexts, floats);
}
EMSCRIPTEN_KEEPALIVE std::uint32_t localrank_rerank(EngineCore* core, double now, double strength, double diversity,
                                                    double exploration, int calibration, int top_k) {
  return core->rerankRaw(now, strength, diversity, exploration, calibration != 0, top_k);
}
EMSCRIPTEN_KEEPALIVE std::uint32_t localrank_rerank_packed(EngineCore* core, double now, double strength,
                                                           double diversity, double exploration, int calibration,
                                                           int top_k) {
  return core->rerankPackedRaw(now, strength, diversity, exploration, calibration != 0, top_k);
}
EMSCRIPTEN_KEEPALIVE int localrank_record(EngineCore* core, double now) { return core->recordRaw(now) ? 1 : 0; }
EMSCRIPTEN_KEEPALIVE std::uint32_t localrank_export_snapshot(EngineCore* core) { return core->exportSnapshot(); }
EMSCRIPTEN_KEEPALIVE std::uint32_t localrank_snapshot_buffer(EngineCore* core, int size) { return core->snapshotBuffer(size); }
EMSCRIPTEN_KEEPALIVE int localrank_import_snapshot(EngineCore* core) { return core->importSnapshot() ? 1 : 0; }
// Format versions this build writes (and reads up to): profile JSON schema, binary snapshot.
EMSCRIPTEN_KEEPALIVE int localrank_profile_version() { return localrank::kProfileSchemaVersion; }
EMSCRIPTEN_KEEPALIVE int localrank_snapshot_version() { return localrank::kSnapshotVersion; }
EMSCRIPTEN_KEEPALIVE int localrank_first_non_finite(EngineCore* core) { return core->firstNonFiniteEmbedding(); }
}
