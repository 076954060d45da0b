"""NLTK's English Punkt model for the RULER reference scripts, built from english.pickle.

The pickle is read with an unpickler that admits only what a Punkt model holds, and its tables
are put into a fresh nltk PunktSentenceTokenizer (the one RULER's sent_tokenize loads).
"""
import collections
import io
import pickle

ALLOWED = {("builtins", "int"): int, ("builtins", "set"): set,
           ("collections", "defaultdict"): collections.defaultdict}


class _State:  # holds a pickled Punkt object's state without running nltk's code
    def __init__(self, *args):
        pass

    def __setstate__(self, state):
        self.__dict__.update(state if isinstance(state, dict) else {})


class _Restricted(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in ALLOWED:
            return ALLOWED[(module, name)]
        if module == "nltk.tokenize.punkt" and name.startswith("Punkt"):
            return _State
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a Punkt model")


def load_params(path):
    """The model's PunktParameters-like state: abbrev_types, collocations, sent_starters,
    ortho_context."""
    return _Restricted(io.BytesIO(open(path, "rb").read())).load()._params


def tokenizer(path):
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer
    state = load_params(path)
    params = PunktParameters()
    params.abbrev_types = set(state.abbrev_types)
    params.collocations = set(state.collocations)
    params.sent_starters = set(state.sent_starters)
    params.ortho_context = collections.defaultdict(int, state.ortho_context)
    return PunktSentenceTokenizer(params)
