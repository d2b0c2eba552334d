"""Pure matching rules: models, hard constraints, explainable scores, prior learning, pooling."""
