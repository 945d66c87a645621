"""The canonical config every dialect is read into, and what sftlint knows about the tools and models
behind it: the keys each tool accepts (:mod:`.key_snapshots`) and model architectures
(:mod:`.architectures`)."""
