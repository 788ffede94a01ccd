"""Editor features on the model (hover, completion, navigation, formatting, actions); no LSP types."""
