// The --video-source forms and their errors (pattern names checked against the installed
// videotestsrc), --max-resolution parsing, fitting a size to the limits, and the camera list.
#include "media/pipeline/video_io.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gst/gst.h>
#include <gtest/gtest.h>

#include "media/errc.hpp"

namespace jcall::media {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// A directory of its own per test, removed at the end.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "jcall-video-io-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A two-frame 16x16 I420 YUV4MPEG2 file (the stream header, then FRAME + Y, U, V planes).
void write_y4m(const fs::path& path) {
  std::ofstream out(path, std::ios::binary);
  out << "YUV4MPEG2 W16 H16 F30:1 Ip A1:1 C420jpeg\n";
  for (int frame = 0; frame < 2; ++frame) {
    out << "FRAME\n";
    out << std::string(16 * 16, static_cast<char>(0x80 + frame));
    out << std::string(2 * 8 * 8, static_cast<char>(0x80));
  }
}

TEST(VideoSource, PatternNameOnlyKeepsTheDefaultSizeAndRate) {
  auto s = parse_video_source("pattern:ball");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->kind, VideoSource::Kind::kPattern);
  EXPECT_EQ(s->pattern, "ball");
  EXPECT_EQ(s->width, 640);
  EXPECT_EQ(s->height, 480);
  EXPECT_EQ(s->fps, 30);
  EXPECT_TRUE(s->path_or_name.empty());
}

TEST(VideoSource, PatternWithSize) {
  auto s = parse_video_source("pattern:smpte:1280x720");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->kind, VideoSource::Kind::kPattern);
  EXPECT_EQ(s->pattern, "smpte");
  EXPECT_EQ(s->width, 1280);
  EXPECT_EQ(s->height, 720);
  EXPECT_EQ(s->fps, 30);
}

TEST(VideoSource, PatternWithSizeAndRate) {
  auto s = parse_video_source("pattern:zone-plate:320x240@15");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->kind, VideoSource::Kind::kPattern);
  EXPECT_EQ(s->pattern, "zone-plate");
  EXPECT_EQ(s->width, 320);
  EXPECT_EQ(s->height, 240);
  EXPECT_EQ(s->fps, 15);
  s = parse_video_source("pattern:snow:16x4096@1");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->width, 16);
  EXPECT_EQ(s->height, 4096);
  EXPECT_EQ(s->fps, 1);
  s = parse_video_source("pattern:black:4096x16@60");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->fps, 60);
}

// Every nick the installed videotestsrc declares is accepted, and nothing is hard-coded: the
// list is read here the same way, from the element's GParamSpec.
TEST(VideoSource, EveryVideotestsrcPatternNickIsAccepted) {
  gst_init(nullptr, nullptr);
  GstElement* src = gst_element_factory_make("videotestsrc", nullptr);
  ASSERT_NE(src, nullptr) << "gstreamer1.0-plugins-base is not installed";
  gst_object_ref_sink(src);
  GParamSpec* pspec = g_object_class_find_property(G_OBJECT_GET_CLASS(src), "pattern");
  ASSERT_NE(pspec, nullptr);
  ASSERT_TRUE(G_IS_PARAM_SPEC_ENUM(pspec));
  const GEnumClass* enums = G_PARAM_SPEC_ENUM(pspec)->enum_class;
  ASSERT_GT(enums->n_values, 1u);
  for (guint i = 0; i < enums->n_values; ++i) {
    const std::string nick = enums->values[i].value_nick;
    auto s = parse_video_source("pattern:" + nick);
    ASSERT_TRUE(s) << nick << ": " << s.error().message;
    EXPECT_EQ(s->pattern, nick);
  }
  gst_object_unref(src);
}

TEST(VideoSource, UnknownPatternNamesTheKnownOnes) {
  auto s = parse_video_source("pattern:plaid");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, make_error_code(Errc::invalid_argument));
  EXPECT_TRUE(contains(s.error().message, "'plaid'")) << s.error().message;
  EXPECT_TRUE(contains(s.error().message, "known patterns")) << s.error().message;
  EXPECT_TRUE(contains(s.error().message, "smpte")) << s.error().message;
  EXPECT_TRUE(contains(s.error().message, "ball")) << s.error().message;
  EXPECT_TRUE(contains(s.error().message, "zone-plate")) << s.error().message;
  // The nick, not the enum's value name or number.
  EXPECT_FALSE(parse_video_source("pattern:0"));
  EXPECT_FALSE(parse_video_source("pattern:SMPTE"));
  EXPECT_FALSE(parse_video_source("pattern:GST_VIDEO_TEST_SRC_SMPTE"));
  // An unknown name with a valid size is still the unknown name's error.
  s = parse_video_source("pattern:plaid:640x480@30");
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.error().message, "known patterns")) << s.error().message;
}

TEST(VideoSource, PatternWithoutANameNamesTheForms) {
  for (const char* spec : {"pattern", "pattern:", "pattern::640x480"}) {
    auto s = parse_video_source(spec);
    ASSERT_FALSE(s) << spec;
    EXPECT_EQ(s.error().code, make_error_code(Errc::invalid_argument)) << spec;
    EXPECT_TRUE(contains(s.error().message, "pattern:NAME:WxH@FPS")) << s.error().message;
  }
}

TEST(VideoSource, BadPatternSizeNamesTheForms) {
  for (const char* spec :
       {"pattern:smpte:", "pattern:smpte:640", "pattern:smpte:640x", "pattern:smpte:x480",
        "pattern:smpte:15x480", "pattern:smpte:640x4097", "pattern:smpte:640x480x2",
        "pattern:smpte:-640x480", "pattern:smpte:640X480", "pattern:smpte:640x480:30",
        "pattern:smpte:big@30", "pattern:smpte:@30"}) {
    auto s = parse_video_source(spec);
    ASSERT_FALSE(s) << spec;
    EXPECT_EQ(s.error().code, make_error_code(Errc::invalid_argument)) << spec;
    EXPECT_TRUE(contains(s.error().message, spec)) << s.error().message;
    EXPECT_TRUE(contains(s.error().message, "WIDTHxHEIGHT")) << s.error().message;
    EXPECT_TRUE(contains(s.error().message, "pattern:NAME:WxH@FPS")) << s.error().message;
  }
}

TEST(VideoSource, BadPatternRateNamesTheRange) {
  for (const char* spec :
       {"pattern:smpte:640x480@", "pattern:smpte:640x480@0", "pattern:smpte:640x480@61",
        "pattern:smpte:640x480@-5", "pattern:smpte:640x480@29.97", "pattern:smpte:640x480@30fps"}) {
    auto s = parse_video_source(spec);
    ASSERT_FALSE(s) << spec;
    EXPECT_EQ(s.error().code, make_error_code(Errc::invalid_argument)) << spec;
    EXPECT_TRUE(contains(s.error().message, "frame rate")) << s.error().message;
    EXPECT_TRUE(contains(s.error().message, "1 to 60")) << s.error().message;
  }
}

TEST(VideoSource, Y4mFile) {
  TempDir dir;
  const fs::path file = dir.path() / "clip.y4m";
  write_y4m(file);
  auto s = parse_video_source("y4m:" + file.string());
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->kind, VideoSource::Kind::kY4m);
  EXPECT_EQ(s->path_or_name, file.string());
}

TEST(VideoSource, Y4mMissingFileSaysSo) {
  TempDir dir;
  const std::string missing = (dir.path() / "nothing-here.y4m").string();
  auto s = parse_video_source("y4m:" + missing);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, make_error_code(Errc::invalid_argument));
  EXPECT_TRUE(contains(s.error().message, "no such Y4M file")) << s.error().message;
  EXPECT_TRUE(contains(s.error().message, missing)) << s.error().message;
  // A directory is not a file either.
  s = parse_video_source("y4m:" + dir.path().string());
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.error().message, "no such Y4M file")) << s.error().message;
}

TEST(VideoSource, Y4mThatIsNotY4mSaysSo) {
  TempDir dir;
  const fs::path file = dir.path() / "clip.y4m";
  std::ofstream(file, std::ios::binary) << "RIFF....WAVEfmt ";
  auto s = parse_video_source("y4m:" + file.string());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, make_error_code(Errc::invalid_argument));
  EXPECT_TRUE(contains(s.error().message, "not a Y4M file")) << s.error().message;
  const fs::path empty = dir.path() / "empty.y4m";
  std::ofstream(empty, std::ios::binary).flush();
  s = parse_video_source("y4m:" + empty.string());
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.error().message, "not a Y4M file")) << s.error().message;
}

TEST(VideoSource, Y4mWithoutAPathNamesTheForms) {
  for (const char* spec : {"y4m", "y4m:"}) {
    auto s = parse_video_source(spec);
    ASSERT_FALSE(s) << spec;
    EXPECT_EQ(s.error().code, make_error_code(Errc::invalid_argument)) << spec;
    EXPECT_TRUE(contains(s.error().message, "y4m needs a path")) << s.error().message;
    EXPECT_TRUE(contains(s.error().message, "y4m:PATH")) << s.error().message;
  }
}

TEST(VideoSource, DeviceFirstOrByName) {
  auto s = parse_video_source("device");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->kind, VideoSource::Kind::kDevice);
  EXPECT_TRUE(s->path_or_name.empty());
  s = parse_video_source("device:Integrated Camera: Integrated C");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->kind, VideoSource::Kind::kDevice);
  EXPECT_EQ(s->path_or_name, "Integrated Camera: Integrated C");
}

TEST(VideoSource, DeviceWithAnEmptyNameNamesTheForms) {
  auto s = parse_video_source("device:");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, make_error_code(Errc::invalid_argument));
  EXPECT_TRUE(contains(s.error().message, "device:NAME")) << s.error().message;
}

TEST(VideoSource, None) {
  auto s = parse_video_source("none");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->kind, VideoSource::Kind::kNone);
}

TEST(VideoSource, UnknownFormsNameTheAcceptedOnes) {
  for (const char* spec : {"", "camera", "none:", "None", "file:/tmp/x.y4m", "tone:440"}) {
    auto s = parse_video_source(spec);
    ASSERT_FALSE(s) << spec;
    EXPECT_EQ(s.error().code, make_error_code(Errc::invalid_argument)) << spec;
    EXPECT_TRUE(contains(s.error().message, "invalid video source")) << s.error().message;
    EXPECT_TRUE(contains(s.error().message,
                         "expected pattern:NAME, pattern:NAME:WxH, pattern:NAME:WxH@FPS, "
                         "y4m:PATH, device, device:NAME or none"))
        << s.error().message;
  }
}

// Without videotestsrc no pattern can be checked (or sent): the error says which package to
// install. A child process whose GStreamer sees no plugins at all (an empty plugin path and a
// registry file of its own, so the user's registry cache is left alone).
TEST(VideoSourceDeathTest, MissingVideotestsrcNamesThePackage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  TempDir dir;
  const std::string plugins = (dir.path() / "no-plugins").string();
  fs::create_directories(plugins);
  const std::string registry = (dir.path() / "registry.bin").string();
  EXPECT_EXIT(
      {
        ::setenv("GST_PLUGIN_SYSTEM_PATH_1_0", plugins.c_str(), 1);
        ::setenv("GST_PLUGIN_PATH_1_0", plugins.c_str(), 1);
        ::setenv("GST_REGISTRY_1_0", registry.c_str(), 1);
        auto s = parse_video_source("pattern:smpte");
        std::error_code ec;
        fs::remove_all(dir.path(), ec);  // std::exit skips the child's own TempDir destructor
        if (s) {
          std::exit(3);
        }
        std::fprintf(stderr, "%s\n", s.error().message.c_str());
        std::exit(s.error().code == make_error_code(Errc::pipeline_error) ? 0 : 4);
      },
      ::testing::ExitedWithCode(0), "gstreamer1.0-plugins-base");
}

TEST(Resolution, AcceptsWidthByHeight) {
  auto r = parse_resolution("1280x720");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->first, 1280);
  EXPECT_EQ(r->second, 720);
  r = parse_resolution("16x16");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, std::make_pair(16, 16));
  r = parse_resolution("4096x4096");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, std::make_pair(4096, 4096));
}

TEST(Resolution, RejectsOtherFormsAndSizesOutOfRange) {
  for (const char* spec :
       {"", "x", "1280", "1280x", "x720", "15x720", "1280x15", "4097x720", "1280x4097", "1280X720",
        "1280*720", " 1280x720", "1280x720 ", "+1280x720", "-1280x720", "1280x-720", "1280x720x2",
        "1280.5x720", "99999999999x720"}) {
    auto r = parse_resolution(spec);
    ASSERT_FALSE(r) << "'" << spec << "'";
    EXPECT_EQ(r.error().code, make_error_code(Errc::invalid_argument)) << spec;
    EXPECT_TRUE(contains(r.error().message, "WIDTHxHEIGHT")) << r.error().message;
    EXPECT_TRUE(contains(r.error().message, "16 to 4096")) << r.error().message;
  }
}

TEST(FitResolution, UnchangedWhenItFits) {
  const VideoLimits limits;  // 1280x720
  EXPECT_EQ(fit_resolution(640, 480, limits), std::make_pair(640, 480));
  EXPECT_EQ(fit_resolution(1280, 720, limits), std::make_pair(1280, 720));
  EXPECT_EQ(fit_resolution(720, 720, limits), std::make_pair(720, 720));
  // Fitting sizes are returned as they are, odd or not.
  EXPECT_EQ(fit_resolution(321, 241, limits), std::make_pair(321, 241));
}

TEST(FitResolution, ScalesDownKeepingTheAspect) {
  const VideoLimits limits;  // 1280x720
  EXPECT_EQ(fit_resolution(1920, 1080, limits), std::make_pair(1280, 720));
  EXPECT_EQ(fit_resolution(3840, 2160, limits), std::make_pair(1280, 720));
  // 4:3 is limited by the height: 960x720.
  EXPECT_EQ(fit_resolution(1600, 1200, limits), std::make_pair(960, 720));
  // Too wide only: limited by the width.
  EXPECT_EQ(fit_resolution(2560, 400, limits), std::make_pair(1280, 200));
  // Too tall only (portrait): limited by the height.
  EXPECT_EQ(fit_resolution(720, 1280, limits), std::make_pair(404, 720));
}

TEST(FitResolution, RoundsDownToEvenSides) {
  VideoLimits limits;
  limits.max_width = 640;
  limits.max_height = 480;
  // 1000x750 -> 640x480 exactly.
  EXPECT_EQ(fit_resolution(1000, 750, limits), std::make_pair(640, 480));
  // 1280x721 by width: 640x360.5 -> 640x360.
  EXPECT_EQ(fit_resolution(1280, 721, limits), std::make_pair(640, 360));
  // 1283x963 by height (1283/963 < 640/480): 639.4..x480 -> 638x480.
  EXPECT_EQ(fit_resolution(1283, 963, limits), std::make_pair(638, 480));
  // An odd limit: 1280x720 into 301x301 -> 301x169.3 -> 300x168.
  limits.max_width = 301;
  limits.max_height = 301;
  EXPECT_EQ(fit_resolution(1280, 720, limits), std::make_pair(300, 168));
  // However thin, never a side of 0.
  limits.max_width = 16;
  limits.max_height = 16;
  EXPECT_EQ(fit_resolution(4096, 16, limits), std::make_pair(16, 2));
}

TEST(VideoDevices, ListingWorksWithOrWithoutCameras) {
  // Whatever cameras this machine has (often none): each has a name, and asking twice gives
  // the same list.
  const auto devices = list_video_devices();
  for (const auto& name : devices) {
    EXPECT_FALSE(name.empty());
  }
  EXPECT_EQ(list_video_devices(), devices);
}

}  // namespace
}  // namespace jcall::media
