# syntax=docker/dockerfile:1
# The dockwise command line as an image:
#   docker build -t dockwise .
#   docker run --rm -v "$PWD:/work" dockwise                      # lint the current directory
#   docker run --rm -i dockwise lint - < Dockerfile               # lint stdin
# Both dockwise and hadolint lint this file clean (tests/test_ci_integrations.py).

FROM python:3.13-slim-trixie AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY server ./server
COPY rules ./rules
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.13-slim-trixie
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index /wheels/*.whl \
    && rm -rf /wheels
ENV DOCKWISE_NO_STARTUP_CACHE=1
USER 65534:65534
WORKDIR /work
ENTRYPOINT ["dockwise"]
CMD ["lint", "."]
