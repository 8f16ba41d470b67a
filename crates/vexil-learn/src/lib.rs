//! vexil's classifiers: training, evaluation, model files.
