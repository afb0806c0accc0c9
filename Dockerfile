# hcp-rollback container image, built from source in two stages.
#
#   docker build -t hcp-rollback .            (or: podman build -t hcp-rollback .)
#   docker buildx build --platform linux/amd64,linux/arm64 -t <registry>/hcp-rollback:<tag> --push .
#
# Both base images are multi-arch, so one Dockerfile serves amd64 and arm64 management clusters. The
# build stage runs on the builder's own platform ($BUILDPLATFORM, set by BuildKit and Buildah): its output
# is Java bytecode and jars without any native library (PackagedApplicationIT checks), the same for both
# architectures, so a multi-arch build compiles once, natively, instead of under emulation. Only the
# runtime stage is per architecture. RUN --mount needs BuildKit or Buildah.

ARG BUILDER_IMAGE=registry.access.redhat.com/ubi9/openjdk-17:1.21
ARG RUNTIME_IMAGE=registry.access.redhat.com/ubi9/openjdk-17-runtime:1.21

FROM --platform=$BUILDPLATFORM ${BUILDER_IMAGE} AS build
USER root
WORKDIR /build
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
COPY src/ src/
# The wrapper pins the Maven version; the cache keeps the local repository between builds.
# package builds the application only: no tests, no test tools, no OLM bundle (that needs manifests/
# and config/, and runs after package). ImageBuildStageIT runs this stage as written here.
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B --no-transfer-progress -Dmaven.test.skip=true package

FROM ${RUNTIME_IMAGE}
ARG VERSION=0.1.0-SNAPSHOT

LABEL org.opencontainers.image.title="hcp-rollback" \
      org.opencontainers.image.description="Admission gate and service-led z-stream rollback for HyperShift hosted control planes" \
      org.opencontainers.image.version="${VERSION}" \
      name="hcp-rollback" \
      summary="Admission gate and service-led z-stream rollback for HyperShift hosted control planes" \
      description="Admission gate and service-led z-stream rollback for HyperShift hosted control planes" \
      io.k8s.display-name="hcp-rollback" \
      io.k8s.description="Admission gate and service-led z-stream rollback for HyperShift hosted control planes"

ENV LANGUAGE='en_US:en'

# fast-jar layout: dependencies first, they change least often
COPY --from=build --chown=185 /build/target/quarkus-app/lib/ /deployments/lib/
COPY --from=build --chown=185 /build/target/quarkus-app/*.jar /deployments/
COPY --from=build --chown=185 /build/target/quarkus-app/app/ /deployments/app/
COPY --from=build --chown=185 /build/target/quarkus-app/quarkus/ /deployments/quarkus/

# 8443: admission webhook (HTTPS); 9000: health and metrics (plain HTTP)
EXPOSE 8443 9000
USER 185

# run-java.sh reads these; the heap follows the container's memory limit
ENV JAVA_OPTS_APPEND="-XX:MaxRAMPercentage=75 -Djava.util.logging.manager=org.jboss.logmanager.LogManager"
ENV JAVA_APP_JAR="/deployments/quarkus-run.jar"

ENTRYPOINT [ "/opt/jboss/container/java/run/run-java.sh" ]
