// What jcall can send and receive, as data (XEP-0167 §5 payload types with XEP-0293 rtcp-fb
// and XEP-0294 header extensions), and for each codec the GStreamer elements that carry it.
// codecs/ does not link GStreamer: media/ and the tests pass the registry in as a predicate.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "codecs/codec.hpp"
#include "codecs/offer_answer.hpp"

namespace jcall::codecs {

// What a payload type is for in a description.
enum class CodecRole {
  kPrimary,         // media: opus, G722, PCMU, PCMA, VP8, VP9, H264
  kRetransmission,  // rtx (RFC 4588), apt names its primary
  kTelephoneEvent,  // DTMF (RFC 4733), one per clock rate of the primaries
  kComfortNoise,    // CN (RFC 3389)
};

// One GStreamer element candidate: factory name, and properties as gst_util_set_object_arg()
// takes them (enum and flag nicks, "true"/"false", decimal numbers).
struct Element {
  std::string factory;
  std::vector<Parameter> properties;

  bool operator==(const Element&) const = default;
};

// Each stage lists candidates in order; media/ uses the first one installed. An empty stage
// needs no element (rtx has no encoder; CN has no element at all: GStreamer 1.22 has none, and
// received CN packets are dropped before the depayloader).
struct ElementChain {
  std::string raw_caps;  // caps before the encoder, empty when any ("video/x-raw,format=...")
  std::vector<Element> encoders;
  std::string encoder_caps;  // caps after the encoder, empty when none ("video/x-h264,...")
  std::vector<Element> payloaders;
  std::vector<Element> depayloaders;
  // Between depayloader and decoder (openh264dec takes H.264 only with the profile in its caps,
  // which rtph264depay does not set and h264parse does).
  std::vector<Element> parsers;
  std::vector<Element> decoders;

  bool operator==(const ElementChain&) const = default;
};

struct CatalogEntry {
  MediaType media = MediaType::kAudio;
  CodecRole role = CodecRole::kPrimary;
  // The payload type as jcall offers it: parameters and rtcp-fb set; id is the static payload
  // type (RFC 3551 table 4) when static_payload_type, else 0 (a dynamic one is assigned).
  Codec codec;
  bool static_payload_type = false;
  ElementChain chain;
};

using HasElement = std::function<bool(std::string_view factory)>;

// The whole catalog, primaries in jcall's default preference order, then rtx, DTMF, CN.
const std::vector<CatalogEntry>& catalog();
// The catalog entries for a media type whose codec name is `name` (case-insensitive).
std::vector<const CatalogEntry*> find_entries(MediaType media, std::string_view name);
// The catalog entry `c` matches (name, clock rate, channels, identifying fmtp), or nullptr.
const CatalogEntry* find_entry(MediaType media, const Codec& c);

// Recognised but never offered nor accepted: red (RFC 2198), ulpfec (RFC 5109), flexfec.
bool is_declined(const Codec& c);
// Whether a payload type plays that role, by its name (case-insensitive): rtx, telephone-event,
// CN; a primary is anything else that is not declined.
bool is_role(const Codec& c, CodecRole role);

// The header extensions jcall offers for a media type, with the ids it offers them with (the
// same id for the same URI in every media, as BUNDLE requires: RFC 8843 §9.2).
std::vector<HeaderExtension> header_extensions(MediaType media);

// Every non-empty stage has at least one installed candidate.
bool chain_complete(const ElementChain& chain, const HasElement& has_element);
// The first installed candidate of a stage, nullptr when none.
const Element* first_available(const std::vector<Element>& stage, const HasElement& has_element);
// The catalog entries whose chain is complete.
std::vector<CatalogEntry> available_catalog(const HasElement& has_element);
// The preferences restricted to what is installed: names whose entries all lack a complete
// chain are dropped; rtx, telephone-event and CN are switched off when their elements are missing.
Preferences available_preferences(const Preferences& prefs, const HasElement& has_element);

// A user's list ("opus,PCMU"): names of primary codecs of the media type, case-insensitive,
// returned in the catalog's spelling; an error names the unknown entry and lists the known ones.
Result<std::vector<std::string>> parse_codec_list(std::string_view csv, MediaType media);

}  // namespace jcall::codecs
