list(APPEND JCALL_MEDIA_SOURCES dtls_srtp/demux.cpp dtls_srtp/certificate.cpp dtls_srtp/srtp_session.cpp dtls_srtp/dtls_endpoint.cpp)
