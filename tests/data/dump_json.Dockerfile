# syntax=docker/dockerfile:1
# a note
ARG BASE=alpine:3.20
FROM $BASE AS build
ENV A=1 B="two words"
RUN --mount=type=cache,target=/c apk add curl && echo hi
COPY <<-EOF <<E /x/
	body
EOF
E
ONBUILD RUN make
CMD ["run", "it"]
FROM --platform=linux/arm64 build
LABEL k v
BOGUS x
