"""The server's view of a release without loading it (describe.py): the subject index
mapped from the release's ``subjects.txt`` and the labels read on demand answer what a
full scan of the store answers."""

from __future__ import annotations

import pyoxigraph as ox

from twinned.build.releasestore import SUBJECTS_FILE
from twinned.queries.describe import LABEL_PROPERTIES, Labels, SubjectIndex, subject_iris
from twinned.store.release import LoadedRelease


def test_the_subject_index_file_answers_as_the_store(release: LoadedRelease) -> None:
    subjects = sorted(subject_iris(release.store))
    index = SubjectIndex.open(release.directory / SUBJECTS_FILE, release.store)
    assert not isinstance(index.data, bytes)  # mapped from the file, not read from the store
    assert list(index) == subjects
    for iri in subjects[::7]:
        assert iri in index
        assert iri[:-1] not in subjects or iri[:-1] in index
        assert (iri + "x" in index) == (iri + "x" in subjects)
    assert "https://w3id.org/twinned/place/" not in index and "" not in index
    assert "zzz" not in index and "\U0010ffff" not in index
    for prefix in ("https://w3id.org/twinned/partnership/kosice--", "https://w3id.org/twinned/def/",
                   "https://w3id.org/twinned/place/k", "https://nowhere.example/"):
        assert list(index.starting_with(prefix)) == [s for s in subjects if s.startswith(prefix)]


def test_labels_on_demand_are_the_labels_of_a_full_scan(release: LoadedRelease) -> None:
    expected: dict[str, dict[str, str]] = {}
    for prop in LABEL_PROPERTIES:
        for q in release.store.quads_for_pattern(None, ox.NamedNode(prop), None, None):
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.Literal):
                expected.setdefault(q.subject.value, {}).setdefault(q.object.language or "", q.object.value)
    labels = Labels.from_store(release.store)
    assert labels.by_iri is None  # nothing read at start
    for iri, names in expected.items():
        assert labels.all(iri) == names
    assert labels.all("https://w3id.org/twinned/place/nowhere") == {}
    assert labels.all("not an IRI at all") == {}
    assert labels.label("https://w3id.org/twinned/place/kosice") == "Košice"
