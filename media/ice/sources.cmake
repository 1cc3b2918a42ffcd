list(APPEND JCALL_MEDIA_SOURCES ice/ice_agent.cpp)
