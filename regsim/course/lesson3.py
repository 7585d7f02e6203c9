"""Lesson 3 exercises: build, push, pull."""

from __future__ import annotations

from ..client.compare import compare_images
from ..oci.image import Image
from ..world import World
from ._world import fresh_world
from .workbook import WORKBOOK

#: The lesson's Dockerfile and build context (the notebook builds exactly these).
DOCKERFILE = """
FROM python:3.11
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY app.py .
CMD ["python", "app.py"]
"""
CONTEXT = {"requirements.txt": b"flask==2.2.2\n", "app.py": b"print('hello from myapp 1.0')\n"}
CONTEXT_1_1 = {**CONTEXT, "app.py": b"print('hello from myapp 1.1')\n"}
CONTEXT_1_2 = {**CONTEXT_1_1, "requirements.txt": b"flask==2.2.2\nrequests==2.28.2\n"}
#: Exercise 3.2: the same image with app.py copied before the dependencies are installed.
APP_FIRST = """
FROM python:3.11
WORKDIR /app
COPY app.py .
COPY requirements.txt .
RUN pip install -r requirements.txt
CMD ["python", "app.py"]
"""
USER, PASSWORD = "myusername", "secret"


def _logged_in_world() -> World:
    world = fresh_world()
    world.registries["docker.io"].add_user(USER, PASSWORD)
    world.hosts["laptop"].login("docker.io", USER, PASSWORD)
    return world


def _mounted() -> int:
    laptop = _logged_in_world().hosts["laptop"]
    laptop.build(DOCKERFILE, "myapp:1.0", context=CONTEXT)
    laptop.tag("myapp:1.0", "myusername/myapp:1.0")
    return laptop.push("myusername/myapp:1.0").counts["mounted"]


def _layers_changed_with_app_first() -> int:
    laptop = fresh_world().hosts["laptop"]
    one = laptop.build(APP_FIRST, "myusername/slowapp:1.0", context=CONTEXT).image
    two = laptop.build(APP_FIRST, "myusername/slowapp:1.1", context=CONTEXT_1_1).image
    assert isinstance(one, Image) and isinstance(two, Image)  # one platform: an image, not an index
    return sum(1 for row in compare_images(one, two) if row["PART"].startswith("layer") and row["SAME?"] == "changed")


def _pushed_versions(world: World) -> World:
    laptop = world.hosts["laptop"]
    laptop.build(DOCKERFILE, "myusername/myapp:1.0", context=CONTEXT)
    laptop.push("myusername/myapp:1.0")
    laptop.build(DOCKERFILE, "myusername/myapp:1.1", context=CONTEXT_1_1)
    laptop.push("myusername/myapp:1.1")
    return world


def _pushed_for_new_requirements() -> int:
    laptop = _pushed_versions(_logged_in_world()).hosts["laptop"]
    laptop.build(DOCKERFILE, "myusername/myapp:1.2", context=CONTEXT_1_2)
    return laptop.push("myusername/myapp:1.2").counts["pushed"]


def _downloaded_after_base() -> int:
    ci = _pushed_versions(_logged_in_world()).hosts["ci-runner"]
    ci.pull("python:3.11")
    return ci.pull("myusername/myapp:1.1").counts["downloaded"]


WORKBOOK.add("3.1", "In the push of myusername/myapp:1.0, how many layers were 'Mounted from library/python'?",
             expected=_mounted, hint="count the lines, or PushResult.counts",
             hints=['the layers library/python already has on Docker Hub are mounted, not uploaded'])
WORKBOOK.add("3.2", "Build APP_FIRST (app.py copied before pip install) as myusername/slowapp:1.0 with CONTEXT "
             "and as myusername/slowapp:1.1 with CONTEXT_1_1. How many layers differ between the two?",
             expected=_layers_changed_with_app_first, hint="compare_images(...) and count the layers that changed",
             hints=['after the first changed step no step comes from the cache, but a rebuilt COPY of unchanged '
                    'files can still make the same layer'])
WORKBOOK.add("3.3", "Version 1.2 changes only requirements.txt (CONTEXT_1_2). Build it as myusername/myapp:1.2 "
             "and push it: how many layers does the push upload ('Pushed')?",
             expected=_pushed_for_new_requirements, hint="think first, then PushResult.counts['pushed']",
             hints=['every step after the changed COPY is rebuilt: which of them make layers that differ?'])
WORKBOOK.add("3.4", "ci-runner pulls python:3.11, then myusername/myapp:1.1. How many layers does the second "
             "pull download?", expected=_downloaded_after_base, hint="PullResult.counts['downloaded']",
             hints=['the python base is there already: which layers does myapp add on top of it?'])
