"""Training experiments (``verify.py train``): the paper's Figure 1, a UCI comparison and
the drift of trained weights relative to Theorem 1's (omega, tau) box.  Evidence, not proof.

JAX, optax and flax (the optional extra ``train``) are imported only by :mod:`.models`,
:mod:`.train` and inside :mod:`.experiments`' functions, so the rest of the tool works
without them; :func:`.experiments.require_jax` turns their absence into one line.

- :mod:`.data`: scikit-learn's bundled sets; MNIST idx, CIFAR-10 pickles, CSV folders;
- :mod:`.stats`: roughness, per-unit (omega, tau), ranks (numpy);
- :mod:`.models`: the nets (flax); :mod:`.train`: SGD loops (optax, ``jax.lax.scan``);
- :mod:`.experiments`: ``figure1``, ``uci``, ``drift`` and their result objects.
"""
