# tests of media/pipeline (added with the component)
