# tests of media/dtls_srtp (added with the component)
