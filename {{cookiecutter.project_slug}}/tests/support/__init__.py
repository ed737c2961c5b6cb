"""Helpers of the tests, one home each: ports, served apps and processes, waiting,
and the real servers the features' tests run against.

Plain Python without template syntax, importing each other relatively: the
template's own tests load this package from the template and reuse it.
"""
