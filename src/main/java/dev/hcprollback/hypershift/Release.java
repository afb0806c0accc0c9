package dev.hcprollback.hypershift;

import com.fasterxml.jackson.annotation.JsonInclude;

/** {@code spec.release} / {@code spec.controlPlaneRelease}: a release payload pull spec. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Release extends KeepsUnknownFields {

    private String image;

    /** A factory, not a constructor: a one-string constructor would let Jackson read {@code release: "x"} as valid. */
    public static Release of(String image) {
        Release release = new Release();
        release.setImage(image);
        return release;
    }

    public String getImage() {
        return image;
    }

    public void setImage(String image) {
        this.image = image;
    }
}
