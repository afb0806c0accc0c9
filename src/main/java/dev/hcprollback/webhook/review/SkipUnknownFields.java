package dev.hcprollback.webhook.review;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.SettableBeanProperty;
import com.fasterxml.jackson.databind.module.SimpleModule;

import io.fabric8.kubernetes.api.model.ObjectMeta;

/**
 * For reading objects that are judged and dropped, never written back: every class that keeps the fields it
 * does not name (an any-setter: the project's HyperShift models, fabric8's Kubernetes models) skips them
 * instead, and {@code metadata.managedFields} (the API server's field ownership records, often the largest
 * part of an object) is skipped unread. Classes without an any-setter stay strict. Values of named fields
 * are bound exactly as by a plain {@code ObjectMapper}, through their setters called directly ({@link DirectSetter}).
 */
final class SkipUnknownFields extends BeanDeserializerModifier {

    private SkipUnknownFields() {
    }

    static SimpleModule module() {
        SimpleModule module = new SimpleModule("skip-unknown-fields");
        module.setDeserializerModifier(new SkipUnknownFields());
        return module;
    }

    @Override
    public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription description,
            BeanDeserializerBuilder builder) {
        if (builder.getAnySetter() != null) {
            builder.setAnySetter(null);
            builder.setIgnoreUnknownProperties(true);
        }
        if (ObjectMeta.class.isAssignableFrom(description.getBeanClass())) {
            builder.removeProperty(new com.fasterxml.jackson.databind.PropertyName("managedFields"));
            builder.addIgnorable("managedFields");
        }
        List<SettableBeanProperty> properties = new ArrayList<>();
        builder.getProperties().forEachRemaining(properties::add);
        for (SettableBeanProperty property : properties) {
            SettableBeanProperty direct = DirectSetter.of(property);
            if (direct != property) {
                builder.addOrReplaceProperty(direct, true);
            }
        }
        return builder;
    }
}
