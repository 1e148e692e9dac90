"""Reading lxml elements of CityGML: an element's text, local name and namespace, cheaply."""

from lxml import etree


def text(element) -> str:
    return (element.text or "").strip() if element is not None else ""


def local(element) -> str:
    # The tag is "{namespace}name" or "name"; cutting the string is what QName does, without making an
    # object for each of the millions of elements a city's buildings have.
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def namespace(element) -> str:
    return (etree.QName(element).namespace or "") if isinstance(element.tag, str) else ""
