package dev.hcprollback.hypershift;

import com.fasterxml.jackson.annotation.JsonInclude;

/** {@code spec.release} / {@code spec.controlPlaneRelease}: a release payload pull spec. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Release extends KeepsUnknownFields {

    private String image;

    public Release() {
    }

    public Release(String image) {
        this.image = image;
    }

    public String getImage() {
        return image;
    }

    public void setImage(String image) {
        this.image = image;
    }
}
