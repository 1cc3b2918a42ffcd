// XEP-0353 (0.6, 0.7) Jingle Message Initiation: the message payloads.
//   <propose id=SID><description xmlns=APP media=../>...</propose>
//   <ringing id=SID/> <proceed id=SID/> <reject id=SID>[reason][<tie-break/>]</reject>
//   <retract id=SID>[reason][<tie-break/>]</retract>
//   <finish id=SID>[reason][<migrated to=SID/>]</finish>
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "signaling/jingle/jingle.hpp"
#include "signaling/xml/element.hpp"

namespace jcall::signaling::jingle {

struct JmiMessage {
  enum class Kind { kPropose, kRinging, kProceed, kReject, kRetract, kFinish };
  Kind kind = Kind::kPropose;
  std::string id;                  // the Jingle session id
  std::vector<std::string> media;  // propose: media of each RTP <description/> ("audio", ...)
  std::vector<xml::Element> other_descriptions;  // propose: applications we do not know
  std::optional<Reason> reason;
  std::string migrated_to;  // finish: <migrated to=".."/>
  bool tie_break = false;   // reject/retract: <tie-break/> (XEP-0353 §4.1)

  static std::optional<Kind> kind_from_name(std::string_view element_name);
  // The JMI child of a <message/>, or nothing when the message has none.
  static const xml::Element* find_in(const xml::Element& message);
  static Result<JmiMessage> from_xml(const xml::Element& e);
  xml::Element to_xml() const;
  bool operator==(const JmiMessage&) const = default;
};
std::string_view to_string(JmiMessage::Kind k);

}  // namespace jcall::signaling::jingle
