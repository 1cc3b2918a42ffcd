# The engine (engine.hpp): calls = ICE + DTLS-SRTP + pipeline per call.
list(APPEND JCALL_MEDIA_SOURCES)
