"""The text task: Europarl sentences over the shared channels (DeepSC's semantic link).

Modules: ``vocab`` (alphabet, normalization, vocabulary), ``source`` (the ``europarl``
data set), ``batch`` (sentences and padded batches), ``task`` (the Task), ``metrics``
(BLEU-n, corpus BLEU, WER, exact sentences), ``transceiver`` / ``mamba_block`` /
``configs`` (DeepSC's network with the survey's Mamba blocks), ``system`` (text systems,
the cross-entropy loss), ``mamba_deepsc`` and ``training_data``.
"""
