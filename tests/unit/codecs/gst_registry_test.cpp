// The catalog's GStreamer element chains checked against the elements actually installed
// (Debian 12: gstreamer1.0-plugins-base/good/bad/ugly and gstreamer1.0-libav, which
// tools/install-deps installs): every stage of every codec jcall claims has an installed
// candidate, and every property of an installed candidate exists and takes its value.
#include <string>

#include <gst/gst.h>
#include <gtest/gtest.h>

#include "codecs/catalog.hpp"
#include "codecs/encoder_tuning.hpp"
#include "codecs/offer_answer.hpp"
#include "codecs/rtp_caps.hpp"

namespace jcall::codecs {
namespace {

class GstRegistry : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }
};

bool installed(std::string_view factory) {
  GstElementFactory* f = gst_element_factory_find(std::string(factory).c_str());
  if (f == nullptr) {
    return false;
  }
  gst_object_unref(f);
  return true;
}

std::string names(const std::vector<Element>& stage) {
  std::string s;
  for (const Element& e : stage) {
    s += (s.empty() ? "" : " or ") + e.factory;
  }
  return s;
}

// Every property name exists on the element and its value deserializes to the property type.
void check_properties(const Element& e, const std::string& codec) {
  GstElement* element = gst_element_factory_make(e.factory.c_str(), nullptr);
  ASSERT_NE(element, nullptr) << codec << ": cannot create " << e.factory;
  for (const Parameter& p : e.properties) {
    GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), p.name.c_str());
    EXPECT_NE(spec, nullptr) << codec << ": " << e.factory << " has no property " << p.name;
    if (spec == nullptr) {
      continue;
    }
    GValue v = G_VALUE_INIT;
    g_value_init(&v, spec->value_type);
    EXPECT_TRUE(gst_value_deserialize(&v, p.value.c_str()))
        << codec << ": " << e.factory << " " << p.name << "=" << p.value << " does not parse";
    g_value_unset(&v);
  }
  gst_object_unref(element);
}

TEST_F(GstRegistry, EveryClaimedCodecHasAnInstalledChain) {
  for (const CatalogEntry& e : catalog()) {
    const std::string codec = std::string(to_string(e.media)) + " " + e.codec.name + "/" +
                              std::to_string(e.codec.clock_rate);
    for (const auto& [stage_name, stage] :
         {std::pair{"encoder", &e.chain.encoders}, std::pair{"payloader", &e.chain.payloaders},
          std::pair{"depayloader", &e.chain.depayloaders}, std::pair{"parser", &e.chain.parsers},
          std::pair{"decoder", &e.chain.decoders}}) {
      if (!stage->empty()) {
        EXPECT_NE(first_available(*stage, installed), nullptr)
            << codec << ": no " << stage_name << " installed (missing " << names(*stage) << ")";
      }
    }
    EXPECT_TRUE(chain_complete(e.chain, installed)) << codec;
  }
  EXPECT_EQ(available_catalog(installed).size(), catalog().size());
}

TEST_F(GstRegistry, PropertiesOfInstalledCandidatesAreValid) {
  for (const CatalogEntry& e : catalog()) {
    for (const auto* stage : {&e.chain.encoders, &e.chain.payloaders, &e.chain.depayloaders,
                              &e.chain.parsers, &e.chain.decoders}) {
      for (const Element& candidate : *stage) {
        if (installed(candidate.factory)) {
          check_properties(candidate, e.codec.name);
        }
      }
    }
  }
}

// Everything tune_encoder() can set is a valid opusenc property value, and its caps parse.
TEST_F(GstRegistry, OpusTuningIsValidForOpusenc) {
  Codec remote = find_entries(MediaType::kAudio, "opus").at(0)->codec;
  remote.parameters = {{"maxaveragebitrate", "20000"},
                       {"stereo", "1"},
                       {"useinbandfec", "1"},
                       {"usedtx", "1"},
                       {"cbr", "1"},
                       {"maxplaybackrate", "8000"}};
  for (const char* rate : {"8000", "12000", "16000", "24000", "48000"}) {
    remote.parameters.back().value = rate;
    const EncoderTuning t = tune_encoder(remote, "opusenc");
    ASSERT_EQ(t.properties.size(), 5u);
    check_properties(Element{"opusenc", t.properties}, "opus");
    GstCaps* caps = gst_caps_from_string(t.caps.c_str());
    EXPECT_NE(caps, nullptr) << t.caps;
    if (caps != nullptr) {
      gst_caps_unref(caps);
    }
  }
}

TEST_F(GstRegistry, EncoderCapsParse) {
  for (const CatalogEntry& e : catalog()) {
    for (const std::string* text : {&e.chain.raw_caps, &e.chain.encoder_caps}) {
      if (text->empty()) {
        continue;
      }
      GstCaps* caps = gst_caps_from_string(text->c_str());
      EXPECT_NE(caps, nullptr) << e.codec.name << ": " << *text;
      if (caps != nullptr) {
        gst_caps_unref(caps);
      }
    }
  }
}

std::string launch_element(const Element& e) {
  std::string s = e.factory;
  for (const Parameter& p : e.properties) {
    s += " " + p.name + "=" + p.value;
  }
  return s;
}

// test source ! raw caps ! encoder ! encoder caps ! payloader ! depayloader ! decoder ! sink.
// The launch string is built from the catalog (jcall's own data), never from peer input.
void expect_round_trip(const CatalogEntry& e, const Element& encoder, const Element& decoder) {
  std::string launch = e.media == MediaType::kAudio
                           ? "audiotestsrc num-buffers=10 ! audioconvert ! audioresample"
                           : "videotestsrc num-buffers=5 ! "
                             "video/x-raw,width=160,height=120,framerate=30/1 ! videoconvert";
  if (!e.chain.raw_caps.empty()) {
    launch += " ! " + e.chain.raw_caps;
  }
  launch += " ! " + launch_element(encoder);
  if (!e.chain.encoder_caps.empty()) {
    launch += " ! " + e.chain.encoder_caps;
  }
  launch += " ! " + launch_element(*first_available(e.chain.payloaders, installed)) + " ! " +
            launch_element(*first_available(e.chain.depayloaders, installed)) + " ! ";
  if (!e.chain.parsers.empty()) {
    launch += launch_element(*first_available(e.chain.parsers, installed)) + " ! ";
  }
  launch += launch_element(decoder) + " ! fakesink name=sink";
  const std::string what = e.codec.name + " " +
                           std::string(e.codec.parameter("profile-id").value_or("")) + ": " +
                           launch;

  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(launch.c_str(), &error);
  if (error != nullptr) {
    ADD_FAILURE() << what << ": " << error->message;
    g_error_free(error);
    if (pipeline != nullptr) {
      gst_object_unref(pipeline);
    }
    return;
  }
  ASSERT_NE(pipeline, nullptr) << what;
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* msg = gst_bus_timed_pop_filtered(
      bus, 60 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  if (msg == nullptr) {
    ADD_FAILURE() << what << ": no EOS within 60 s";
  } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    GError* err = nullptr;
    gchar* debug = nullptr;
    gst_message_parse_error(msg, &err, &debug);
    ADD_FAILURE() << what << ": " << err->message << " (" << (debug ? debug : "") << ")";
    g_error_free(err);
    g_free(debug);
  } else {
    // Something was decoded: the sink kept the last sample.
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    GstSample* last = nullptr;
    g_object_get(sink, "last-sample", &last, nullptr);
    EXPECT_NE(last, nullptr) << what << ": nothing reached the sink";
    if (last != nullptr) {
      gst_sample_unref(last);
    }
    gst_object_unref(sink);
  }
  if (msg != nullptr) {
    gst_message_unref(msg);
  }
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}

// Every installed encoder with the preferred decoder, and the preferred encoder with every
// installed decoder, for every primary codec: the chains as written really carry media.
TEST_F(GstRegistry, EveryPrimaryChainEncodesAndDecodes) {
  for (const CatalogEntry& e : catalog()) {
    if (e.role != CodecRole::kPrimary || !chain_complete(e.chain, installed)) {
      continue;  // a missing element is reported by EveryClaimedCodecHasAnInstalledChain
    }
    const Element& encoder = *first_available(e.chain.encoders, installed);
    const Element& decoder = *first_available(e.chain.decoders, installed);
    for (const Element& candidate : e.chain.encoders) {
      if (installed(candidate.factory)) {
        expect_round_trip(e, candidate, decoder);
      }
    }
    for (const Element& candidate : e.chain.decoders) {
      if (installed(candidate.factory) && &candidate != &decoder) {
        expect_round_trip(e, encoder, candidate);
      }
    }
  }
}

// The caps rtp_caps() writes for everything jcall offers parse, and the catalog's depayloader
// for that payload type accepts them.
TEST_F(GstRegistry, RtpCapsOfOurOfferSuitTheDepayloaders) {
  Preferences prefs;
  prefs.comfort_noise = true;
  for (const MediaType media : {MediaType::kAudio, MediaType::kVideo}) {
    for (const Codec& c : make_offer(media, prefs).codecs) {
      const std::string text = rtp_caps(media, c);
      GstCaps* caps = gst_caps_from_string(text.c_str());
      ASSERT_NE(caps, nullptr) << text;
      const CatalogEntry* e = find_entry(media, c);
      ASSERT_NE(e, nullptr) << c.name;
      if (const Element* depay = first_available(e->chain.depayloaders, installed)) {
        GstElementFactory* f = gst_element_factory_find(depay->factory.c_str());
        ASSERT_NE(f, nullptr);
        bool accepted = false;
        for (const GList* t = gst_element_factory_get_static_pad_templates(f); t != nullptr;
             t = t->next) {
          auto* tmpl = static_cast<GstStaticPadTemplate*>(t->data);
          if (tmpl->direction == GST_PAD_SINK) {
            GstCaps* sink = gst_static_caps_get(&tmpl->static_caps);
            accepted = accepted || gst_caps_can_intersect(caps, sink);
            gst_caps_unref(sink);
          }
        }
        EXPECT_TRUE(accepted) << depay->factory << " refuses " << text;
        gst_object_unref(f);
      }
      gst_caps_unref(caps);
    }
  }
}

// Quoting survives GStreamer's parser: what the peer wrote is what the field holds.
TEST_F(GstRegistry, RtpCapsKeepHostileValuesInsideTheirField) {
  Codec c;
  c.id = 100;
  c.name = "vp8\", media=(string)audio";
  c.clock_rate = 90000;
  c.parameters = {{"x-google-min-bitrate", "a\"b\\c, payload=(int)1"}, {"tab", "x\ty"}};
  const std::string text = rtp_caps(MediaType::kVideo, c);
  GstCaps* caps = gst_caps_from_string(text.c_str());
  ASSERT_NE(caps, nullptr) << text;
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  EXPECT_STREQ(gst_structure_get_string(s, "media"), "video");
  int payload = 0;
  EXPECT_TRUE(gst_structure_get_int(s, "payload", &payload));
  EXPECT_EQ(payload, 100);
  EXPECT_STREQ(gst_structure_get_string(s, "encoding-name"), "VP8\", MEDIA=(STRING)AUDIO");
  EXPECT_STREQ(gst_structure_get_string(s, "x-google-min-bitrate"), "a\"b\\c, payload=(int)1");
  EXPECT_STREQ(gst_structure_get_string(s, "tab"), "x\ty");
  gst_caps_unref(caps);
}

}  // namespace
}  // namespace jcall::codecs
