"""The named questions: ``queries/*.rq`` with their metadata, typed parameters and answers.

A question is a SPARQL SELECT query in ``queries/<name>.rq`` whose leading
comment lines (``#+ key: value``) describe it: titles and descriptions in EN
and FR, its parameters (type, required, default, example, descriptions) and
its columns (type, titles). ``docs/questions.md`` documents the format.

Parameters are never pasted into query text. A value given by a user is first
*resolved* against the store (a NUTS code to its region IRI, a notation or
label to its concept IRI, a date to an ``xsd:date`` literal), so that what is
bound is an RDF term that exists; a value that names nothing is refused with
the list of valid values. The terms are then bound through the query's
parameter slots, ``VALUES ?name { UNDEF }``: the slot becomes
``VALUES ?name { <term> ... }``, each term written by Oxigraph in N-Triples
syntax. VALUES rather than pyoxigraph's ``substitutions``, because Oxigraph
applies substitutions only to projected variables and not inside FILTERs or
subqueries, where a question needs them; and because the bound text is plain
SPARQL that any endpoint answers. Unbound, a slot filters nothing, so the raw
``.rq`` file is itself a valid query: the question with no parameter.

Answers are tables: typed values (numbers, booleans, IRIs, lists of IRIs) and
a label column beside each IRI column, in the language asked (then English,
then any). They are written as JSON, CSV (pandas reads it as it is) or a text
table for the terminal. The HTTP routes are a Flask Blueprint.

The modules, in the order a question is answered:

* :mod:`.catalogue`  the ``.rq`` files and their header: :class:`Question`, its slots
* :mod:`.running`    how a SELECT is evaluated (a :data:`Runner`) for the steps below
* :mod:`.parameters` user values resolved to RDF terms that exist in the store
* :mod:`.paging`     one page of an answer, and ``?limit=``/``?offset=`` of every API list
* :mod:`.answers`    the typed, labelled :class:`Table` and its JSON, CSV and text forms
* :mod:`.routes`     ``/api/questions``: the Blueprint, run by the app's evaluator
* :mod:`.errors`     what can go wrong, each with its HTTP status
"""
