# tests of media/ice (added with the component)
